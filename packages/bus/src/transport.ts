/** How a subscription takes part in delivery. */
export interface SubscribeOptions {
  /**
   * Queue group: each message goes to one member of the group instead of every subscriber, so
   * one of several responders answers each request.
   */
  queue?: string;
}

/** Raw delivery of bytes on subjects; `Bus` adds signing, typing and replay protection on top. */
export interface BusTransport {
  readonly kind: 'in-process' | 'nats';
  publish(subject: string, data: Uint8Array): Promise<void>;
  /** `reply` is set for request/reply messages. */
  subscribe(
    subject: string,
    handler: (data: Uint8Array, reply?: (data: Uint8Array) => void) => void,
    opts?: SubscribeOptions,
  ): () => void;
  request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
  /** Called after the transport reconnects, so consumers can re-sync state they may have missed. */
  onReconnect(fn: () => void): () => void;
  ping(): Promise<void>;
  close(): Promise<void>;
}
