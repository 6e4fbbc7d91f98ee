import { AggregateRoot, isAggregateRoot } from './aggregate-root';
import { DomainError, invalidInput, notFound } from './errors';
import { ensure } from './validate';

class Lamp extends AggregateRoot {
  constructor(readonly id: string) {
    super();
  }
  protected get aggregateType(): string {
    return 'Lamp';
  }
  switchOn(): void {
    this.raise('LampSwitchedOn', { lampId: this.id });
  }
}

describe('AggregateRoot', () => {
  it('records raised events with increasing aggregate versions until pulled', () => {
    const lamp = new Lamp('l-1');
    lamp.switchOn();
    lamp.switchOn();
    expect(lamp.version).toBe(2);
    expect(lamp.pullEvents()).toEqual([
      { type: 'LampSwitchedOn', aggregateType: 'Lamp', aggregateId: 'l-1', aggregateVersion: 1, payload: { lampId: 'l-1' } },
      { type: 'LampSwitchedOn', aggregateType: 'Lamp', aggregateId: 'l-1', aggregateVersion: 2, payload: { lampId: 'l-1' } },
    ]);
    expect(lamp.pullEvents()).toEqual([]);
    lamp.switchOn();
    expect(lamp.pullEvents().map((e) => e.aggregateVersion)).toEqual([3]);
  });

  it('works on instances made without the constructor (as the ORM hydrates them)', () => {
    const lamp = Object.assign(Object.create(Lamp.prototype) as Lamp, { id: 'l-2', version: 7 });
    expect(lamp.pullEvents()).toEqual([]);
    lamp.switchOn();
    expect(lamp.pullEvents()[0].aggregateVersion).toBe(8);
  });

  it('isAggregateRoot tells aggregates from other objects', () => {
    expect(isAggregateRoot(new Lamp('x'))).toBe(true);
    expect(isAggregateRoot({ id: 'x', pullEvents: () => [] })).toBe(false);
    expect(isAggregateRoot(null)).toBe(false);
  });
});

describe('domain errors and guards', () => {
  it('DomainError carries code and field', () => {
    const error = new DomainError('SOLD_OUT', 'no seats left', 'input.seats');
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'DomainError', code: 'SOLD_OUT', message: 'no seats left', field: 'input.seats' });
  });

  it('invalidInput starts the message with the field; notFound names kind and id', () => {
    expect(invalidInput('input.price', 'must be greater than 0')).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.price', message: 'input.price: must be greater than 0' });
    expect(notFound('Ticket', 't-1')).toMatchObject({ code: 'NOT_FOUND', message: 'Ticket t-1 not found' });
  });

  it('ensure.text trims and bounds', () => {
    expect(ensure.text('input.title', '  Swan Lake ', 20)).toBe('Swan Lake');
    expect(() => ensure.text('input.title', '   ', 20)).toThrow('input.title: must not be empty');
    expect(() => ensure.text('input.title', 'x'.repeat(21), 20)).toThrow('input.title: must be at most 20 characters');
    expect(() => ensure.text('input.title', undefined as unknown as string, 20)).toThrow(DomainError);
  });

  it('ensure.intInRange accepts safe integers within bounds only', () => {
    expect(ensure.intInRange('input.seats', 5, 1, 10)).toBe(5);
    for (const bad of [0, 11, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1]) {
      expect(() => ensure.intInRange('input.seats', bad, 1, 10)).toThrow(/^input\.seats: /);
    }
  });

  it('ensure.id bounds identifiers to 100 characters', () => {
    expect(ensure.id('input.organizerId', 'org-1')).toBe('org-1');
    expect(() => ensure.id('input.organizerId', 'o'.repeat(101))).toThrow(DomainError);
  });
});
