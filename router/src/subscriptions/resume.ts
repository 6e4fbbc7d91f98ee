import type { FetchNode } from '@apollo/query-planner';
import {
  ArgumentNode,
  FieldNode,
  getNamedType,
  GraphQLInputType,
  GraphQLSchema,
  isObjectType,
  Kind,
  OperationDefinitionNode,
  parse,
  parseType,
  print,
  valueFromAST,
  visit,
} from 'graphql';

/** Variable the router binds a resumable field's `after` argument to in the primary fetch. */
export const RESUME_VARIABLE = 'routerResumeAfter';
/** Alias under which the primary fetch selects the event's `id` (removed from what clients get). */
export const CURSOR_ALIAS = 'routerResumeCursor';

/**
 * How to resume a subscription on its subgraph after the upstream socket was lost (subgraph
 * replica restarted, network cut): the convention of CONTRACT.md `notificationAdded(recipientId,
 * after)` — a root subscription field with an `after: ID` argument replays events whose `id` is
 * greater than `after`, then goes live. The primary fetch is rewritten so that `after` is the
 * variable `$routerResumeAfter` and the event's `id` is selected as `routerResumeCursor`; after
 * every event delivered the router moves that variable to the event's id, and the graphql-ws
 * client resends the subscription with it when it reconnects. Clients then see neither a gap
 * nor a duplicate across a subgraph restart.
 */
export interface ResumeCursor {
  /** The primary fetch, rewritten. */
  primary: FetchNode;
  /** The value `after` starts from: the client's own (literal or variable), else null. */
  initialValue(variables: Record<string, unknown>): unknown;
  /** The id of the event in a primary result's `data`, if it has one. */
  cursorOf(data: Record<string, unknown> | null | undefined): string | undefined;
}

/**
 * The `ResumeCursor` of a planned primary fetch, or undefined when its root field is not
 * resumable (no `after` argument, or a payload type without `id`). `apiSchema` is the
 * supergraph's API schema (graphql-js).
 */
export function resumable(primary: FetchNode, apiSchema: GraphQLSchema): ResumeCursor | undefined {
  const document = parse(primary.operation);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const root = operation?.selectionSet.selections[0];
  if (!operation || root?.kind !== Kind.FIELD || operation.selectionSet.selections.length !== 1) return undefined;
  const field = apiSchema.getSubscriptionType()?.getFields()[root.name.value];
  const afterArg = field?.args.find((arg) => arg.name === 'after');
  const payloadType = field && getNamedType(field.type);
  if (!afterArg || !isObjectType(payloadType) || !payloadType.getFields().id) return undefined;

  const given = root.arguments?.find((arg) => arg.name.value === 'after');
  const responseName = root.alias?.value ?? root.name.value;
  const cursorArgument: ArgumentNode = {
    kind: Kind.ARGUMENT,
    name: { kind: Kind.NAME, value: 'after' },
    value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: RESUME_VARIABLE } },
  };
  const rewrittenRoot: FieldNode = {
    ...root,
    arguments: [...(root.arguments ?? []).filter((arg) => arg.name.value !== 'after'), cursorArgument],
    selectionSet: {
      kind: Kind.SELECTION_SET,
      selections: [
        ...(root.selectionSet?.selections ?? []),
        { kind: Kind.FIELD, alias: { kind: Kind.NAME, value: CURSOR_ALIAS }, name: { kind: Kind.NAME, value: 'id' } },
      ],
    },
  };
  const withCursor: OperationDefinitionNode = {
    ...operation,
    variableDefinitions: [
      ...(operation.variableDefinitions ?? []),
      {
        kind: Kind.VARIABLE_DEFINITION,
        variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: RESUME_VARIABLE } },
        type: parseType(String(afterArg.type)),
      },
    ],
    selectionSet: { kind: Kind.SELECTION_SET, selections: [rewrittenRoot] },
  };
  const used = usedVariables(withCursor);
  const rewritten: OperationDefinitionNode = { ...withCursor, variableDefinitions: withCursor.variableDefinitions?.filter((d) => used.has(d.variable.name.value)) };

  return {
    primary: {
      ...primary,
      operation: print({ kind: Kind.DOCUMENT, definitions: [rewritten] }),
      operationDocumentNode: undefined,
      variableUsages: [...used].filter((name) => name !== RESUME_VARIABLE),
    },
    initialValue: (variables) => (given ? (valueFromAST(given.value, afterArg.type as GraphQLInputType, variables) ?? null) : (afterArg.defaultValue ?? null)),
    cursorOf: (data) => {
      const id = (data?.[responseName] as Record<string, unknown> | null | undefined)?.[CURSOR_ALIAS];
      return typeof id === 'string' ? id : undefined;
    },
  };
}

/** Names of the variables an operation's selections use. */
function usedVariables(operation: OperationDefinitionNode): Set<string> {
  const used = new Set<string>();
  visit(operation.selectionSet, { Variable: (node) => void used.add(node.name.value) });
  return used;
}
