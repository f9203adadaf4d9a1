// 繁體中文: the compare area (shared/i18n/index.ts), the same keys as en/compare.ts.
import type en from '../en/compare.ts';
import type { Message } from '../index.ts';

export default {
  'dialog.title': '在 {dataset} 上比較單元類型',
  'dialog.intro':
    '每種單元類型訓練一次，使用相同的種子與資料，並調整單元數，讓每次訓練的參數量都和你的設定（{layers}×{units} {cell}）差不多。它們會依序逐一訓練。',
  'dialog.cells': '單元類型',
  'dialog.bidirectional': '也訓練雙向版本',
  'dialog.steps': '每次訓練的步數',
  'dialog.tickOne': '請至少勾選一種單元類型。',
  'dialog.stepsWhole': '每次訓練的步數：至少為 1 的整數',
  'dialog.stepsMax': '每次訓練的步數：最多 {max}',
  'dialog.queuing': '排入佇列中…',
  'dialog.compare': { other: '比較 {count} 次訓練' },
  'dialog.cancel': '取消',

  'table.scrollAria': '比較的訓練（可捲動）',
  'table.aria': '比較的訓練',
  'table.run': '訓練',
  'table.cell': '單元類型',
  'table.bidirectional': '雙向',
  'table.units': '單元數',
  'table.parameters': '參數',
  'table.valLoss': '驗證損失',
  'table.bitsPerChar': '位元／字元',
  'table.charsPerSec': '字元／秒',
  'table.steps': '步數',
  'table.status': '狀態',
  'table.open': '開啟訓練 #{id}',
  'table.yes': '是',
  'table.no': '否',


  'state.running': '訓練中',
  'state.done': '已完成',
  'state.halted': '已中止',
  'state.abandoned': '已放棄',

  'view.title': '比較 {id}',
  'view.summary': { other: '預算 {budget} 個參數 · {count} 次訓練，依序進行，種子 {seed}' },
  'view.continuing': '繼續中…',
  'view.continue': '繼續這次比較',
  'view.failed': '{name} 失敗：{error}',
  'view.bidirectional': ' 雙向',
  'view.lossPerExample': '驗證損失（nats／範例）',
  'view.lossPerChar': '驗證損失（nats／字元）',
  'view.samples': '生成樣本',
  'view.samplesAtPrime': { other: '開頭文字「{prime}」，種子 {seed}，溫度 {temperature}，{count} 個字元' },
  'view.samplesNoPrime': { other: '沒有開頭文字，種子 {seed}，溫度 {temperature}，{count} 個字元' },
  'view.sampleAria': '{name} 的生成樣本',
  'view.queued': '排隊中。',
  'view.neverStarted': '從未開始。',
  'view.afterTraining': '訓練完成後產生。',
  'view.generating': '生成中…',
  'view.noSample': '沒有樣本。',
  'view.loading': '正在載入比較 {id}…',
} satisfies Record<keyof typeof en, Message>;
