import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { AnyResponse } from './pages.js';
import { isHopByHopResponseHeader } from './upstream-headers.js';

/** How a relayed exchange ended: `error` is set when it failed before any response byte was written. */
export interface RelayOutcome {
  status: number;
  bytes: number;
  error?: Error;
  /** True when the response had started, so the failure could only cut the stream. */
  started: boolean;
}

/** True once the visitor's side is gone (reset stream, closed socket), even after its 'close' event. */
function visitorGone(res: AnyResponse): boolean {
  const r = res as { destroyed?: boolean; stream?: { destroyed: boolean; closed: boolean } };
  return r.stream ? r.stream.destroyed || r.stream.closed : r.destroyed === true;
}

/**
 * Streams an upstream response into the visitor's response with backpressure (pauses the upstream
 * while the visitor's socket is full), never buffering a body: SSE, chunked and multi-GB bodies
 * pass through as they arrive.
 */
export class ResponseRelay implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private bytes = 0;
  private status = 0;
  private settled = false;
  /** A body chunk (or the end) was written, so the headers went out with it. */
  private wrote = false;
  private readonly onDrain = () => this.controller?.resume();
  private readonly onClose = () => {
    if (!this.settled) this.controller?.abort(new Error('visitor went away'));
  };

  constructor(
    private readonly res: AnyResponse,
    private readonly done: (outcome: RelayOutcome) => void,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.settled) return;
    // An HTTP/2 RST_STREAM during admission: 'close' fired before we listened, so check now.
    if (visitorGone(this.res)) {
      controller.abort(new Error('visitor went away'));
      return;
    }
    this.res.on('close', this.onClose);
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // 1xx (other than 101) are informational: the final response follows.
    if (statusCode < 200) return;
    this.status = statusCode;
    const out: Record<string, string | string[]> = {};
    for (const name in headers) {
      const v = headers[name];
      if (v !== undefined && !isHopByHopResponseHeader(name)) out[name] = v;
    }
    this.res.writeHead(statusCode, out);
    // Headers go out with the first body bytes when those arrived in the same read (every small
    // response): one TLS record and one socket write instead of two. A response whose body comes
    // later (SSE, slow upstreams) still gets its headers flushed now.
    process.nextTick(this.flushIfIdle);
  }

  private readonly flushIfIdle = () => {
    if (!this.wrote && !this.settled) (this.res as { flushHeaders?: () => void }).flushHeaders?.();
  };

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.wrote = true;
    this.bytes += chunk.length;
    if (!(this.res.write as (c: Buffer) => boolean)(chunk)) {
      // A gone visitor never drains: pausing would hold the pooled upstream connection forever.
      if (visitorGone(this.res)) {
        controller.abort(new Error('visitor went away'));
        return;
      }
      controller.pause();
      this.res.once('drain', this.onDrain);
    }
  }

  onResponseEnd(): void {
    this.wrote = true;
    this.res.end();
    this.finish();
  }

  onResponseError(_c: Dispatcher.DispatchController, error: Error): void {
    if (this.status !== 0) this.res.destroy(error);
    this.finish(error);
  }

  private finish(error?: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.res.off('close', this.onClose);
    this.done({ status: this.status, bytes: this.bytes, error, started: this.status !== 0 });
  }
}
