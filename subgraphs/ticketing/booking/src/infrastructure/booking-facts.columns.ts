/**
 * MikroORM columns of the facts every booking states (`bookingFacts`: id, who, how many seats,
 * how much), alike for written (`booking`), held (`seat_hold`) and abandoned
 * (`abandoned_booking`) bookings.
 */
export const bookingFactColumns = {
  id: { type: 'string', length: 36, primary: true },
  ticketId: { type: 'string', length: 100 },
  customerId: { type: 'string', length: 100 },
  quantity: { type: 'integer' },
  amount: { type: 'integer' },
} as const;
