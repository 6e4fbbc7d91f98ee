import type { EntityManager } from '@mikro-orm/core';
import type { Logger } from '@supergraph/kernel';
import type { ReleaseExpiredHoldsHandler } from '../application/commands/release-expired-holds/release-expired-holds.handler';

/**
 * Runs `ReleaseExpiredHoldsHandler` every `intervalMs` ms (`SEAT_HOLD_SWEEP_INTERVAL_MS`) while
 * started, one sweep at a time; a failed sweep is logged and tried again at the next tick.
 * Started by booking's `main` with its consumers; every replica sweeps (they never release a
 * hold twice).
 */
export class HoldSweeper {
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  private stopped = true;

  constructor(
    private readonly releaseExpiredHolds: ReleaseExpiredHoldsHandler,
    private readonly em: EntityManager,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  /** Starts sweeping (no-op while started). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  /** Stops after the sweep under way (if any). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.sweeping;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.sweeping = this.sweep().finally(() => {
        this.sweeping = undefined;
        if (!this.stopped) this.schedule();
      });
    }, this.intervalMs);
  }

  private async sweep(): Promise<void> {
    try {
      const released = await this.releaseExpiredHolds.execute(this.em);
      if (released > 0) this.logger.warn({ released }, 'released expired seat holds and recorded their bookings abandoned');
    } catch (error) {
      this.logger.warn({ err: error }, 'could not sweep expired seat holds; trying again at the next tick');
    }
  }
}
