// 繁體中文: the refusals the renderer shows (shared/i18n/index.ts), the same keys as en/errors.ts.
import type en from '../en/errors.ts';
import type { Message } from '../index.ts';

export default {
  detail: '{what}：{detail}',
  'code.invalid-request': '請求被拒絕',
  'code.not-found': '找不到',
  'code.conflict': '現在無法這樣做',
  'code.bad-input': '這個輸入無法使用',
  'code.storage': '資料夾出了問題',
  'code.internal': '發生錯誤',
  disconnected: '與 RNN Studio 的連線中斷，正在重新連線…',
  noSuchFile: '{path}：找不到這個檔案或資料夾',
  permissionDenied: '{path}：沒有讀取權限',
  emptyFile: '{file}：檔案是空的',
  binary: '{file}：第 {at} 個位元組是 NUL，這看起來是二進位檔，不是文字',
  notUtf8: '{file}：不是有效的 UTF-8（第一處在第 {line} 行第 {column} 欄，共 {count} 個錯誤位元組）。請另存為 UTF-8，或從命令列匯入時指定編碼（--encoding）。',
  noExamples: '{name}：沒有任何範例',
  oneClass: '{name}：每個範例的標籤都是「{label}」，分類器至少需要兩個類別',
  memory: '這次訓練在高峰時約需 {need} 記憶體，但目前只有 {available} 可用。請調低批次大小、序列長度、隱藏單元數或層數。',
  noRun: '沒有編號 {id} 的訓練',
  noDataset: '沒有編號 {id} 的資料集',
} satisfies Record<keyof typeof en, Message>;
