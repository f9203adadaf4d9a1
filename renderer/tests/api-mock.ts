// The renderer's lib/api.ts as the component tests stand it in (one place, not a copy per test file):
// requests go to `mock.invoke`, events reach the listeners kept in `mock.listeners` (when the test keeps
// them), messages pass through unchanged. `extra` adds or replaces members, getters included (a test that
// switches the transport between cases keeps a getter).
import type { Mock } from 'vitest';

export interface ApiMock {
  invoke: Mock;
  listeners?: Map<string, Set<(payload: unknown) => void>>;
}

export function fakeApi(mock: ApiMock, extra: object = {}): Record<string, unknown> {
  const module = {
    api: {
      invoke: mock.invoke,
      on: (event: string, listener: (payload: unknown) => void) => {
        const all = mock.listeners;
        if (!all) return () => {};
        if (!all.has(event)) all.set(event, new Set());
        all.get(event)!.add(listener);
        return () => all.get(event)!.delete(listener);
      },
    },
    transport: 'browser',
    connection: { up: true, listeners: new Set() },
    messageOf: (err: unknown) => (err instanceof Error ? err.message : String(err)),
    studioWords: (message: string) => message,
  };
  return Object.defineProperties(module, Object.getOwnPropertyDescriptors(extra));
}
