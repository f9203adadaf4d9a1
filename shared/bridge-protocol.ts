// The WebSocket bridge's wire format: requests carry an id, replies echo it, events have none.
// Both the bridge (main/bridge) and the renderer's WebSocket client use these types.
import type { ApiErrorCode, ErrorWords, EventName } from './api.ts';

export type BridgeMessage =
  | { id: number; ok: true; reply: unknown }
  | { id: number; ok: false; error: { code: ApiErrorCode; message: string; words?: ErrorWords } }
  | { event: EventName; payload: unknown };

/** The token travels as ?token= on the first page load, then as this cookie or header. */
export const TOKEN_COOKIE = 'rnn_studio_token';
export const TOKEN_HEADER = 'x-rnn-studio-token';
