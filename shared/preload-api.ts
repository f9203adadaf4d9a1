// What the Electron preload hands the renderer: one function per channel (replies wrapped so errors
// keep their code across IPC) and a way to listen to pushed events. The preload `satisfies` this type.
import type { ApiErrorCode, ApiEvents, Channel, EventName, ReplyOf, RequestOf } from './api.ts';

export type Result<T> = { ok: true; reply: T } | { ok: false; error: { code: ApiErrorCode; message: string } };

export type PreloadApi = { [C in Channel]: (request: RequestOf<C>) => Promise<Result<ReplyOf<C>>> } & {
  on<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
};
