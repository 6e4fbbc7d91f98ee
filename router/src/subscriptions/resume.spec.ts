import type { FetchNode } from '@apollo/query-planner';
import { buildSchema, parse, print } from 'graphql';
import { CURSOR_ALIAS, RESUME_VARIABLE, resumable } from './resume';

const schema = buildSchema(`
  type Notification { id: ID! message: String! }
  type Row { bookingId: ID! }
  type Query { x: Int }
  type Subscription {
    notificationAdded(recipientId: ID!, after: ID): Notification!
    myPageUpdated(customerId: ID!): Row!
  }
`);

const fetch = (operation: string, variableUsages: string[] = []): FetchNode => ({ kind: 'Fetch', serviceName: 'notification', operation, operationName: undefined, operationKind: 'subscription' as FetchNode['operationKind'], variableUsages });
const normalized = (operation: string) => print(parse(operation));

describe('resumable (primary fetch rewritten to resume from the last event)', () => {
  it('binds a variable `after` to the router variable, drops the unused client variable and selects the cursor', () => {
    const resume = resumable(fetch('subscription($r:ID!,$a:ID){notificationAdded(recipientId:$r after:$a){message}}', ['r', 'a']), schema)!;
    expect(normalized(resume.primary.operation)).toBe(
      normalized(`subscription($r: ID!, $${RESUME_VARIABLE}: ID) { notificationAdded(recipientId: $r, after: $${RESUME_VARIABLE}) { message ${CURSOR_ALIAS}: id } }`),
    );
    expect(resume.primary.variableUsages).toEqual(['r']);
    expect(resume.initialValue({ r: 'x', a: '00000000000000000007' })).toBe('00000000000000000007');
    expect(resume.cursorOf({ notificationAdded: { message: 'm', [CURSOR_ALIAS]: '00000000000000000009' } })).toBe('00000000000000000009');
  });

  it('takes a literal or missing `after` as the starting value, and reads the cursor under an alias', () => {
    const literal = resumable(fetch('subscription{n:notificationAdded(recipientId:"r" after:5){id}}'), schema)!;
    expect(literal.initialValue({})).toBe('5');
    expect(literal.cursorOf({ n: { id: '1', [CURSOR_ALIAS]: '00000000000000000002' } })).toBe('00000000000000000002');
    expect(literal.cursorOf(null)).toBeUndefined();
    const missing = resumable(fetch('subscription{notificationAdded(recipientId:"r"){id}}'), schema)!;
    expect(missing.initialValue({})).toBeNull();
  });

  it('leaves fields without an `after` argument alone', () => {
    expect(resumable(fetch('subscription{myPageUpdated(customerId:"c"){bookingId}}'), schema)).toBeUndefined();
  });
});
