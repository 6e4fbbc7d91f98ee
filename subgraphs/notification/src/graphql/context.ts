import type { RequestContext } from '@supergraph/kernel';

/** Per-request context of the notification subgraph: the kernel's base (read side only, no commands). */
export type NotificationContext = RequestContext;
