import CircuitBreaker from 'opossum';
import { ServiceMetrics } from './service-metrics';

describe('ServiceMetrics: breakers', () => {
  it('follows a breaker: circuit_state 0 closed → 2 open, circuit_events_total per event', async () => {
    const metrics = new ServiceMetrics('booking');
    const breaker = new CircuitBreaker(async () => Promise.reject(new Error('down')), { volumeThreshold: 1, errorThresholdPercentage: 1, resetTimeout: 60_000 });
    metrics.watchBreaker('payment', breaker);
    expect((await metrics.registry.getSingleMetric('supergraph_circuit_state')!.get()).values).toEqual([{ value: 0, labels: { name: 'payment' } }]);
    await breaker.fire().catch(() => undefined);
    await breaker.fire().catch(() => undefined);
    const text = await metrics.text();
    expect(text).toContain('supergraph_circuit_state{name="payment",service="booking"} 2');
    expect(text).toContain('supergraph_circuit_events_total{name="payment",event="failure",service="booking"} 1');
    expect(text).toContain('supergraph_circuit_events_total{name="payment",event="open",service="booking"} 1');
    expect(text).toContain('supergraph_circuit_events_total{name="payment",event="reject",service="booking"} 1');
    breaker.shutdown();
  });
});
