// The native menu, in the language the renderer speaks (app:set-locale rebuilds it). Its actions reach
// the renderer as `menu:command` events, like any other event.
import { Menu, app, shell, type MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../shared/api.ts';
import { LOCALES, LOCALE_NAMES, translate, type Key, type Locale } from '../../shared/i18n/index.ts';

export function buildMenu(send: (command: MenuCommand) => void, dataFolder: string, locale: Locale): Menu {
  const say = (key: Key) => translate(locale, key);
  const item = (key: Key, command: MenuCommand, accelerator?: string): MenuItemConstructorOptions => ({ label: say(key), accelerator, click: () => send(command) });
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: say('app.menu.file'),
      submenu: [item('app.menu.importFile', 'import-file', 'CmdOrCtrl+O'), item('app.menu.importFolder', 'import-folder', 'CmdOrCtrl+Shift+O'), { type: 'separator' }, { role: 'quit' }],
    },
    { role: 'editMenu' },
    {
      label: say('app.menu.run'),
      submenu: [
        item('app.menu.start', 'start', 'CmdOrCtrl+Enter'),
        item('app.menu.pause', 'pause', 'Alt+P'),
        item('app.menu.resume', 'resume'),
        item('app.menu.stop', 'stop', 'Alt+S'),
        item('app.menu.checkpoint', 'checkpoint-now', 'Alt+C'),
      ],
    },
    {
      label: say('app.menu.view'),
      submenu: [
        item('app.menu.lab', 'lab', 'Alt+L'),
        { type: 'separator' },
        { label: say('app.menu.theme'), submenu: [item('app.menu.themeSystem', 'theme-system'), item('app.menu.themeLight', 'theme-light'), item('app.menu.themeDark', 'theme-dark')] },
        {
          label: say('app.menu.language'),
          submenu: [
            item('app.menu.languageSystem', 'lang-system'),
            // Each language is named in its own words, whatever the menu speaks.
            ...LOCALES.map((l): MenuItemConstructorOptions => ({ label: LOCALE_NAMES[l], type: 'radio', checked: l === locale, click: () => send(`lang-${l}`) })),
          ],
        },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { role: 'togglefullscreen' },
        ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' as const }]),
      ],
    },
    {
      label: say('app.menu.help'),
      submenu: [item('app.menu.about', 'about'), { label: say('app.menu.dataFolder'), click: () => void shell.openPath(dataFolder) }],
    },
  ];
  return Menu.buildFromTemplate(template);
}
