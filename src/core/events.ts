import { EventEmitter } from 'node:events';

/** 0: the client is sending (upload); 1: the server is sending (download). */
export type Direction = 0 | 1;

export interface ProgressEvent {
  direction: Direction;
  bytesTransferred: number;
  /** -1 when unknown. */
  totalBytes: number;
  /** -1 when unknown. */
  percentDone: number;
}
export interface TransferEvent {
  direction: Direction;
  /** Body bytes only, headers excluded. */
  bytesTransferred: number;
  percentDone: number;
  /** The chunk just received; empty while sending. */
  text: Uint8Array;
}
export interface DirectionEvent {
  direction: Direction;
}
export interface HeaderEvent {
  field: string;
  value: string;
}
export type LogType =
  | 'Info'
  | 'RequestHeaders'
  | 'ResponseHeaders'
  | 'RequestBody'
  | 'ResponseBody'
  | 'ProxyRequest'
  | 'ProxyResponse'
  | 'FirewallRequest'
  | 'FirewallResponse';
export interface LogEvent {
  logLevel: 1 | 2 | 3;
  message: string;
  logType: LogType;
}
export interface ErrorEvent {
  errorCode: number;
  description: string;
}
export interface SslServerAuthenticationEvent {
  certEncoded: Uint8Array;
  certSubject: string;
  certIssuer: string;
  status: string;
  /** Set to true to accept a certificate the default checks rejected. */
  accept: boolean;
}
export interface SslStatusEvent {
  message: string;
}
export interface FragmentCompleteEvent {
  /** 1-based. */
  fragmentNumber: number;
  fragmentCount: number;
  /** Set to true to stop the upload; it can be resumed later. */
  interrupt: boolean;
}

/** The events every client has (the transfer events of the reference classes). */
export interface CoreEvents {
  progress: ProgressEvent;
  transfer: TransferEvent;
  startTransfer: DirectionEvent;
  endTransfer: DirectionEvent;
  header: HeaderEvent;
  log: LogEvent;
  error: ErrorEvent;
  sslServerAuthentication: SslServerAuthenticationEvent;
  sslStatus: SslStatusEvent;
  fragmentComplete: FragmentCompleteEvent;
}

type Listener<T> = (event: T) => void;

/**
 * An EventEmitter whose event names and payloads are checked by the compiler. Every event carries one
 * payload object; settable fields on it (`accept`, `interrupt`) are read back after the listeners ran.
 *
 * Unlike Node's EventEmitter, emitting `error` with no listener does not throw: the reference classes
 * fire `error` for information and throw separately.
 */
export class TypedEmitter<Events extends object> {
  private readonly emitter = new EventEmitter({ captureRejections: false });

  on<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): this {
    this.emitter.on(event, listener as Listener<unknown>);
    return this;
  }
  once<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): this {
    this.emitter.once(event, listener as Listener<unknown>);
    return this;
  }
  off<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): this {
    this.emitter.off(event, listener as Listener<unknown>);
    return this;
  }
  removeAllListeners<K extends keyof Events & string>(event?: K): this {
    if (event === undefined) this.emitter.removeAllListeners();
    else this.emitter.removeAllListeners(event);
    return this;
  }
  listenerCount<K extends keyof Events & string>(event: K): number {
    return this.emitter.listenerCount(event);
  }
  /** Calls every listener with `payload` and returns it, so settable fields can be read back. */
  emit<K extends keyof Events & string>(event: K, payload: Events[K]): Events[K] {
    for (const listener of this.emitter.listeners(event)) (listener as Listener<Events[K]>)(payload);
    return payload;
  }
}
