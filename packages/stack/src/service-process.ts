import { ChildProcess, spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { restartDelayMs } from './backoff';
import { StackError } from './errors';
import { probe } from './health';
import { formatPinoLine, LineSplitter, LogLine, LogSink } from './log-lines';
import { Killable, track, untrack } from './reaper';
import { settlesWithin } from './wait';

/**
 * Preloaded into every service process: once a second it checks that the process that started it
 * is still its parent; if the launcher died (even by SIGKILL) it sends itself SIGTERM, so the
 * service shuts down gracefully instead of living on as an orphan.
 */
export const ORPHAN_GUARD =
  'data:text/javascript,const p=process.ppid,t=setInterval(()=>{if(process.ppid!==p){clearInterval(t);process.kill(process.pid,"SIGTERM")}},1000);t.unref()';

/** Lines of output kept per service for error messages and `StackHandle.logs`. */
const RECENT_LINES = 40;

/** How one service process is run and supervised. */
export interface ServiceProcessOptions {
  /** Catalog name: the log prefix and the name in messages. */
  name: string;
  /** Absolute path of the entry script (`<workspace>/dist/main.js`). */
  entry: string;
  cwd: string;
  /** The whole environment of the process (nothing else is inherited). */
  env: Readonly<Record<string, string>>;
  /** Its `GET /health/ready` URL. */
  healthUrl: string;
  sink: LogSink;
  /** Restart after a crash, with backoff (default true). */
  restart?: boolean;
  /** How long a SIGTERM may take before SIGKILL, ms (default 15 s; services allow themselves 10 s). */
  stopTimeoutMs?: number;
}

interface Running {
  child: ChildProcess;
  /** Resolves when the process has exited and its output is flushed. */
  closed: Promise<void>;
}

/**
 * One service as a child process (`node <entry>`), like a pod with a liveness probe: its output
 * goes line by line to the sink; if it exits while it should be running it is restarted after
 * 1 s, 2 s, 4 s … (max 30 s), the count reset once it is ready again. `stop()` sends SIGTERM,
 * waits (bounded), then SIGKILLs. The process is killed if the launcher's process exits first.
 */
export class ServiceProcess implements Killable {
  private running?: Running;
  private wanted = false;
  private restartTimer?: NodeJS.Timeout;
  /** Consecutive crashes since it was last ready (the backoff attempt). */
  private crashes = 0;
  private exits = 0;
  private lastExit?: string;
  private lastProbe?: string;
  private readonly recent: string[] = [];

  constructor(private readonly options: ServiceProcessOptions) {}

  /** The catalog name of the service. */
  get name(): string {
    return this.options.name;
  }

  /** The pid of the current process, if one runs. */
  get pid(): number | undefined {
    return this.running?.child.pid;
  }

  /** The last lines it printed (at most 40). */
  recentLines(): string[] {
    return [...this.recent];
  }

  /** Starts the process (no-op while it runs or waits to be restarted). */
  start(): void {
    this.wanted = true;
    if (this.running || this.restartTimer) return;
    this.crashes = 0;
    this.spawn();
  }

  /** SIGTERM, wait up to `stopTimeoutMs`, then SIGKILL; no restart afterwards. Resolves once it has exited. */
  async stop(): Promise<void> {
    this.wanted = false;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const running = this.running;
    if (!running) return;
    running.child.kill('SIGTERM');
    const timeoutMs = this.options.stopTimeoutMs ?? 15_000;
    if (!(await settlesWithin(running.closed, timeoutMs))) {
      this.note(`did not stop within ${timeoutMs / 1000} s of SIGTERM: SIGKILL`);
      running.child.kill('SIGKILL');
      await running.closed;
    }
  }

  /** SIGKILL at once (synchronous; for the exit hook). */
  killNow(): void {
    this.wanted = false;
    clearTimeout(this.restartTimer);
    this.running?.child.kill('SIGKILL');
  }

  /**
   * Polls `GET /health/ready` until it answers 200 (resets the crash count). Throws `StackError`
   * when `deadline` (epoch ms) passes, naming the service, what the probe saw, how it exited and
   * its last output; or when the service is stopped or `signal` aborts meanwhile.
   */
  async waitReady(deadline: number, signal?: AbortSignal): Promise<void> {
    const started = Date.now();
    for (;;) {
      if (signal?.aborted) throw new StackError(`${this.name}: start aborted`);
      if (!this.wanted) throw new StackError(`${this.name} was stopped before it became ready`);
      const result = await probe(this.options.healthUrl);
      if (result.ready) {
        this.crashes = 0;
        return;
      }
      this.lastProbe = result.detail;
      if (Date.now() >= deadline) throw new StackError(this.notReadyMessage(Date.now() - started));
      await delay(200, undefined, { signal }).catch(() => undefined);
    }
  }

  private notReadyMessage(waitedMs: number): string {
    const facts = [`GET ${this.options.healthUrl}: ${this.lastProbe ?? 'not probed'}`];
    if (this.exits > 0) facts.push(`exited ${this.exits} time${this.exits === 1 ? '' : 's'}, last with ${this.lastExit}`);
    const lines = this.recent.slice(-15).flatMap((line) => formatPinoLine(line, false) ?? [line]);
    const output = lines.length > 0 ? lines.map((line) => `    ${line}`).join('\n') : '    (no output)';
    return `${this.name} did not become ready within ${Math.round(waitedMs / 1000)} s (${facts.join('; ')}). Its last output:\n${output}`;
  }

  private spawn(): void {
    const child = spawn(process.execPath, ['--import', ORPHAN_GUARD, this.options.entry], {
      cwd: this.options.cwd,
      env: this.options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group: the launcher alone decides when (and in which order) services stop.
      detached: true,
    });
    const closed = new Promise<void>((resolve) => {
      let done = false;
      const finish = (description: string) => {
        if (done) return;
        done = true;
        this.onExit(child, description);
        resolve();
      };
      child.once('close', (code, signal) => finish(signal ? `signal ${signal}` : `code ${code}`));
      child.once('error', (error) => finish(`error ${error.message}`));
    });
    this.pipe(child.stdout, 'stdout');
    this.pipe(child.stderr, 'stderr');
    this.running = { child, closed };
    track(this);
  }

  private pipe(stream: NodeJS.ReadableStream | null, name: 'stdout' | 'stderr'): void {
    if (!stream) return;
    stream.setEncoding('utf8');
    const splitter = new LineSplitter((text) => this.emit({ service: this.name, stream: name, text }));
    stream.on('data', (chunk: string) => splitter.push(chunk));
    stream.on('end', () => splitter.flush());
  }

  private emit(line: LogLine): void {
    this.recent.push(line.text);
    if (this.recent.length > RECENT_LINES) this.recent.shift();
    this.options.sink(line);
  }

  private note(text: string): void {
    this.emit({ service: this.name, stream: 'stack', text });
  }

  private onExit(child: ChildProcess, description: string): void {
    if (this.running?.child !== child) return;
    this.running = undefined;
    untrack(this);
    if (!this.wanted) {
      this.note(`stopped (${description})`);
      return;
    }
    this.exits += 1;
    this.lastExit = description;
    if (this.options.restart === false) {
      this.note(`exited unexpectedly (${description}); not restarting`);
      return;
    }
    const wait = restartDelayMs(this.crashes);
    this.crashes += 1;
    this.note(`exited unexpectedly (${description}); restarting in ${wait / 1000} s (crash ${this.crashes} in a row)`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.wanted) return;
      this.spawn();
      void this.watchRecovery(this.running?.child);
    }, wait);
  }

  /** After a restart: polls readiness while that process lives; once ready, says so and resets the backoff. */
  private async watchRecovery(child: ChildProcess | undefined): Promise<void> {
    while (child && this.running?.child === child) {
      if ((await probe(this.options.healthUrl)).ready) {
        if (this.running?.child !== child) return;
        this.crashes = 0;
        this.note('ready again after restart');
        return;
      }
      await delay(250);
    }
  }
}
