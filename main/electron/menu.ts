// The native menu. Its actions reach the renderer as `menu:command` events, like any other event.
import { Menu, app, shell, type MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../shared/api.ts';

export function buildMenu(send: (command: MenuCommand) => void, dataFolder: string): Menu {
  const item = (label: string, command: MenuCommand, accelerator?: string): MenuItemConstructorOptions => ({ label, accelerator, click: () => send(command) });
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [item('Import File…', 'import-file', 'CmdOrCtrl+O'), item('Import Folder…', 'import-folder', 'CmdOrCtrl+Shift+O'), { type: 'separator' }, { role: 'quit' }],
    },
    { role: 'editMenu' },
    {
      label: 'Run',
      submenu: [
        item('Start', 'start', 'CmdOrCtrl+Enter'),
        item('Pause', 'pause', 'Alt+P'),
        item('Resume', 'resume'),
        item('Stop', 'stop', 'Alt+S'),
        item('Checkpoint Now', 'checkpoint-now', 'Alt+C'),
      ],
    },
    {
      label: 'View',
      submenu: [
        { label: 'Theme', submenu: [item('Follow the System', 'theme-system'), item('Light', 'theme-light'), item('Dark', 'theme-dark')] },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { role: 'togglefullscreen' },
        ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' as const }]),
      ],
    },
    {
      label: 'Help',
      submenu: [item('About RNN Studio', 'about'), { label: 'Open the Data Folder', click: () => void shell.openPath(dataFolder) }],
    },
  ];
  return Menu.buildFromTemplate(template);
}
