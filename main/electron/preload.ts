// The preload: one function per channel, nothing else. It never hands ipcRenderer to the page; the
// object below is checked against the shared contract with `satisfies`.
import { contextBridge, ipcRenderer } from 'electron';
import type { ApiEvents, Channel, EventName } from '../../shared/api.ts';
import type { PreloadApi } from '../../shared/preload-api.ts';

const call = <C extends Channel>(channel: C) => (request: unknown) => ipcRenderer.invoke(channel, request);

const api = {
  'app:info': call('app:info'),
  'datasets:list': call('datasets:list'),
  'datasets:get': call('datasets:get'),
  'datasets:import': call('datasets:import'),
  'datasets:preview': call('datasets:preview'),
  'datasets:inspect': call('datasets:inspect'),
  'datasets:delete': call('datasets:delete'),
  'datasets:rename': call('datasets:rename'),
  'runs:list': call('runs:list'),
  'runs:get': call('runs:get'),
  'runs:start': call('runs:start'),
  'runs:estimate': call('runs:estimate'),
  'runs:resume': call('runs:resume'),
  'runs:branch': call('runs:branch'),
  'runs:control': call('runs:control'),
  'runs:delete': call('runs:delete'),
  'runs:metrics': call('runs:metrics'),
  'samples:generate': call('samples:generate'),
  'samples:list': call('samples:list'),
  'runs:classify': call('runs:classify'),
  'runs:evaluate': call('runs:evaluate'),
  'runs:inspect': call('runs:inspect'),
  'runs:units': call('runs:units'),
  'runs:connectivity': call('runs:connectivity'),
  'runs:gradient-flow': call('runs:gradient-flow'),
  'runs:compare': call('runs:compare'),
  'comparisons:get': call('comparisons:get'),
  'comparisons:continue': call('comparisons:continue'),
  'comparisons:list': call('comparisons:list'),
  'runs:timeline': call('runs:timeline'),
  'runs:export': call('runs:export'),
  'runs:import-model': call('runs:import-model'),
  'dialog:open': call('dialog:open'),
  'lab:get': call('lab:get'),
  'lab:update': call('lab:update'),
  'lab:reset': call('lab:reset'),
  'lab:report': call('lab:report'),
  'app:set-locale': call('app:set-locale'),
  on<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
    const wrapped = (_: unknown, message: { event: EventName; payload: ApiEvents[E] }) => {
      if (message.event === event) listener(message.payload);
    };
    ipcRenderer.on('api:event', wrapped);
    return () => ipcRenderer.off('api:event', wrapped);
  },
} satisfies PreloadApi;

contextBridge.exposeInMainWorld('rnnStudio', api);
