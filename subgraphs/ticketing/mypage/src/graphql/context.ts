import type { RequestContext } from '@supergraph/kernel';

/** Per-request context of the mypage subgraph: the kernel's base (a view: queries only). */
export type MyPageContext = RequestContext;
