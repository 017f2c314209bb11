/**
 * A run's output as it arrives: stdout and stderr in the order written,
 * following the tail unless the user scrolled up to read; the platform's
 * messages (dependency resolution, image builds, waits) in a collapsible
 * "Preparing" section with a progress indicator, apart from the script's
 * output; and an elapsed-time clock while the run goes on.
 */
import { interleave, IExecution, OutputStream } from './api';
import { el, elapsed } from './dom';

/** How close to the bottom (px) still counts as "at the tail". */
const TAIL_SLACK = 8;

export class LiveOutput {
  readonly node = el('div', { className: 'jp-StellaScript-live' });
  readonly clock = el('span', { className: 'jp-StellaScript-elapsed', attrs: { 'aria-label': 'elapsed time' } });
  private readonly preparing = el('details', { className: 'jp-StellaScript-preparing' });
  private readonly preparingState = el('span', { className: 'jp-StellaScript-preparing-state' });
  private readonly preparingLast = el('span', { className: 'jp-StellaScript-preparing-last' });
  private readonly preparingLog = el('pre', { className: 'jp-StellaScript-preparing-log', attrs: { 'aria-label': 'preparing' } });
  private readonly output = el('pre', { className: 'jp-StellaScript-output', attrs: { 'aria-label': 'output' } });
  private ticking = 0;

  constructor() {
    const summary = el('summary', {}, el('span', { className: 'jp-StellaScript-spinner', attrs: { 'aria-hidden': 'true' } }), this.preparingState, this.preparingLast);
    this.preparing.append(summary, this.preparingLog);
    this.preparing.hidden = true;
    this.node.append(this.preparing, this.output);
  }

  /** Empty, for another execution. */
  reset(): void {
    this.stopClock();
    this.output.replaceChildren();
    this.preparingLog.textContent = '';
    this.preparingLast.textContent = '';
    this.preparing.hidden = true;
    this.preparing.open = false;
    this.preparing.classList.remove('jp-mod-done');
  }

  append(stream: OutputStream, text: string): void {
    if (!text) {
      return;
    }
    if (stream === 'platform') {
      this.platform(text);
      return;
    }
    this.preparingDone();
    // Following means: at the tail before this piece came. Scrolled up to read, it stays put
    // (asked here, not in a scroll handler, which would run after the next piece moved it).
    const follow = this.atTail();
    this.output.append(el('span', { className: `jp-StellaScript-${stream}`, text }));
    if (follow) {
      this.output.scrollTop = this.output.scrollHeight;
    }
  }

  /** A finished execution's stored output: platform messages, then stdout and stderr in the order written. */
  showRecord(record: IExecution): void {
    if (record.platform) {
      this.platform(record.platform);
    }
    for (const [stream, text] of interleave(record)) {
      this.append(stream, text);
    }
    this.preparingDone();
  }

  /** The clock counts from `since` (the run's start, else its queueing) until stopClock. */
  startClock(since: string | null | undefined): void {
    this.stopClock();
    const start = since ? new Date(since).getTime() : Date.now();
    const tick = () => (this.clock.textContent = `elapsed ${elapsed(Date.now() - start)}`);
    tick();
    this.ticking = window.setInterval(tick, 1000);
  }

  stopClock(): void {
    window.clearInterval(this.ticking);
    this.ticking = 0;
    this.clock.textContent = '';
  }

  /** The run ended (or its script started): the preparation is over. */
  preparingDone(): void {
    if (!this.preparing.hidden && !this.preparing.classList.contains('jp-mod-done')) {
      this.preparing.classList.add('jp-mod-done');
      const lines = this.preparingLog.textContent?.split('\n').filter(Boolean).length ?? 0;
      this.preparingState.textContent = `Prepared (${lines} message${lines === 1 ? '' : 's'})`;
    }
  }

  get text(): string {
    return this.output.textContent ?? '';
  }

  private platform(text: string): void {
    if (this.preparing.hidden) {
      this.preparing.hidden = false;
      this.preparingState.textContent = 'Preparing…';
    }
    this.preparingLog.textContent += text;
    const lines = text.split('\n').filter(line => line.trim());
    if (lines.length) {
      this.preparingLast.textContent = lines[lines.length - 1];
    }
  }

  private atTail(): boolean {
    return this.output.scrollTop + this.output.clientHeight >= this.output.scrollHeight - TAIL_SLACK;
  }
}
