import { metricSum } from '@supergraph/stack';

export { metricSample, metricSum } from '@supergraph/stack';

/**
 * True when a service's `/metrics` (at `metricsUrl`) shows nothing left to do in its event
 * pipeline: no outbox row waiting to be published (`supergraph_outbox_backlog`), no stream entry
 * its consumer groups have not read (`supergraph_consumer_lag`) or not acknowledged
 * (`supergraph_consumer_pending`). All three are read from the store and Redis at scrape time.
 * When it holds for every context, every event raised so far has reached every view.
 */
export async function eventPipelineIdle(metricsUrl: string): Promise<boolean> {
  const text = await (await fetch(metricsUrl)).text();
  return ['supergraph_outbox_backlog', 'supergraph_consumer_lag', 'supergraph_consumer_pending'].every((name) => metricSum(text, name) === 0);
}
