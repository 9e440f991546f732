// What travels on a transport: a message, a reply, and the handle of a subscription.

/** Headers travel beside the payload; names are lower-case. */
export type Headers = Readonly<Record<string, string>>;

export interface TransportMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: Headers;
}

/** A reply to a request, as it travels. */
export interface WireReply {
  readonly data: Uint8Array;
  readonly headers?: Headers;
}

export interface TransportSubscription {
  unsubscribe(): Promise<void>;
}
