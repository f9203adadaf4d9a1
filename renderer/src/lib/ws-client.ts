// The API over the bridge's WebSocket: requests carry ids, replies resolve them, events fan out.
// Reconnects after a drop (e.g. the serve process restarted); calls made while down wait for it.
import { ApiError, type ApiClient, type ApiEvents, type Channel, type EventName, type ReplyOf, type RequestOf } from '../../../shared/api.ts';
import type { BridgeMessage } from '../../../shared/bridge-protocol.ts';

type Listener = (payload: unknown) => void;

export function createWebSocketClient(url: string, onConnection: (up: boolean) => void = () => {}): ApiClient {
  let socket: WebSocket | null = null;
  let ready: Promise<WebSocket> | null = null;
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const listeners = new Map<EventName, Set<Listener>>();

  function connect(): Promise<WebSocket> {
    ready ??= new Promise<WebSocket>((resolve) => {
      const attempt = (delay: number) => {
        const ws = new WebSocket(url);
        ws.onopen = () => {
          socket = ws;
          onConnection(true);
          resolve(ws);
        };
        ws.onmessage = (e) => {
          const m = JSON.parse(String(e.data)) as BridgeMessage;
          if ('event' in m) {
            for (const l of listeners.get(m.event) ?? []) l(m.payload);
            return;
          }
          const p = pending.get(m.id);
          if (!p) return;
          pending.delete(m.id);
          if (m.ok) p.resolve(m.reply);
          else p.reject(new ApiError(m.error.code, m.error.message, m.error.words));
        };
        ws.onclose = () => {
          if (socket === ws) {
            socket = null;
            ready = null;
            onConnection(false);
            for (const p of pending.values()) p.reject(new ApiError('internal', 'lost the connection to RNN Studio; reconnecting…', { key: 'errors.disconnected' }));
            pending.clear();
            setTimeout(() => void connect(), 500); // keep events flowing once it is back
          } else setTimeout(() => attempt(Math.min(delay * 2, 4000)), delay);
        };
      };
      attempt(250);
    });
    return ready;
  }
  void connect();

  return {
    async invoke<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ReplyOf<C>> {
      const ws = await connect();
      const id = nextId++;
      return new Promise<ReplyOf<C>>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        ws.send(JSON.stringify({ id, channel, request }));
      });
    },
    on<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
      const set = listeners.get(event) ?? new Set<Listener>();
      listeners.set(event, set);
      set.add(listener as Listener);
      return () => set.delete(listener as Listener);
    },
  };
}
