// Follows a training run in the terminal until it ends: progress bar (or JSON lines), samples as they
// are recorded, Ctrl-C to stop with a checkpoint, and p / c / s keys on a terminal.
import { ApiError, type ApiClient } from '../../shared/api.ts';
import { isLive, type RunStatus } from '../../shared/types.ts';
import { describeEngine } from '../../shared/engine.ts';
import { formatDuration, formatNumber, type Output } from './output.ts';

export async function watchRun(api: ApiClient, runId: number, out: Output): Promise<void> {
  let paused = false;
  let stopping = false;
  const control = (command: 'pause' | 'resume' | 'stop' | 'checkpoint-now') =>
    api.invoke('runs:control', { id: runId, command }).catch((err: Error) => out.warn(err.message));

  const ended = new Promise<{ status: RunStatus; error: string | null }>((resolve) => {
    const offs = [
      api.on('run:ready', (e) => {
        if (e.runId !== runId) return;
        out.event({ event: 'ready', ...e });
        const engine = describeEngine(e.engine, e.backend);
        out.say(`Run ${runId} on the ${engine.label}: ${e.parameters.toLocaleString('en-US')} parameters, ${e.startStep > 0 ? `resuming at step ${e.startStep} of ` : ''}${e.totalSteps} steps.`);
        // The engine's details only with --verbose; anything else the user should know, always.
        for (const note of out.verbose ? [engine.details, ...e.notes] : e.notes.filter((n) => !e.engineNotes.includes(n))) out.say(`  (${note})`);
        if (process.stdin.isTTY && !out.json) out.say('  Keys: p pause/resume · c checkpoint now · s stop (Ctrl-C also stops, with a checkpoint)');
      }),
      api.on('run:progress', (e) => {
        if (e.runId !== runId) return;
        out.event({ event: 'progress', ...e });
        out.progress(e.step, e.totalSteps, e);
      }),
      api.on('run:metrics', (e) => {
        if (e.runId === runId) out.event({ event: 'metrics', ...e.point });
      }),
      api.on('run:sample', (e) => {
        if (e.runId !== runId) return;
        out.event({ event: 'sample', runId, step: e.sample.step, text: e.sample.text });
        out.say(`\n--- sample at step ${e.sample.step} ---\n${e.sample.text}\n---`);
      }),
      api.on('run:evaluation', (e) => {
        if (e.runId !== runId) return;
        const v = e.evaluation;
        out.event({ event: 'evaluation', runId, step: v.step, epoch: v.epoch, loss: v.loss, accuracy: v.accuracy, macroF1: v.macroF1, labels: v.labels, confusion: v.confusion });
        out.say(`epoch ${v.epoch} (step ${v.step}): validation loss ${formatNumber(v.loss)}, accuracy ${(100 * v.accuracy).toFixed(1)}%, macro-F1 ${v.macroF1.toFixed(3)}`);
      }),
      api.on('run:checkpoint', (e) => {
        if (e.runId === runId) out.event({ event: 'checkpoint', runId, checkpointId: e.checkpoint.id, step: e.checkpoint.step, reason: e.checkpoint.reason, path: e.checkpoint.path });
      }),
      api.on('run:status', (e) => {
        if (e.runId !== runId) return;
        out.event({ event: 'status', runId, status: e.status, error: e.error });
        if (e.status === 'paused') out.say('Paused (checkpoint written). Press p to resume.');
        if (!isLive(e.status)) {
          offs.forEach((off) => off());
          resolve({ status: e.status, error: e.error });
        }
      }),
    ];
  });

  const onSigint = () => {
    if (stopping) {
      out.error(`quit without waiting: run ${runId} will show as interrupted and can be resumed from its last checkpoint`);
      process.exit(130);
    }
    stopping = true;
    out.say('\nStopping after this step and writing a checkpoint… (Ctrl-C again to quit at once)');
    void control('stop');
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const keys = process.stdin.isTTY && !out.json;
  const onKey = (buf: Buffer) => {
    const k = buf.toString();
    if (k === '\u0003') onSigint();
    else if (k === 'p') {
      paused = !paused;
      void control(paused ? 'pause' : 'resume');
      if (!paused) out.say('Resumed.');
    } else if (k === 'c') void control('checkpoint-now');
    else if (k === 's' || k === 'q') onSigint();
  };
  if (keys) {
    process.stdin.setRawMode(true);
    process.stdin.resume();
    process.stdin.on('data', onKey);
  }
  try {
    const { status, error } = await ended;
    out.stopProgress();
    const run = await api.invoke('runs:get', { id: runId });
    const lastVal = [...run.metrics].reverse().find((m) => m.valLoss !== null);
    const valLoss = lastVal?.valLoss ?? null;
    const t = run.config.train;
    // Average over the whole run (every session): characters trained on per second of training.
    const perStep = run.task === 'classify' ? t.batch : t.batch * t.seqLen; // examples or characters
    const avgCharsPerSec = run.trainSeconds > 0 ? (run.step * perStep) / run.trainSeconds : null;
    if (status === 'failed') throw new ApiError('internal', `run ${runId} failed: ${error}`);
    out.result(
      {
        runId,
        status,
        backend: run.backend,
        step: run.step,
        totalSteps: run.totalSteps,
        finalLoss: run.lastTrainLoss,
        valLoss,
        bestValLoss: run.bestValLoss,
        trainSeconds: run.trainSeconds,
        charsPerSec: avgCharsPerSec,
        parameters: run.parameters,
        // A branch, a fine-tune: where it came from.
        ...(run.parentRunId != null || run.parentStep != null ? { parentRunId: run.parentRunId, parentCheckpointId: run.parentCheckpointId ?? null, parentStep: run.parentStep ?? null } : {}),
        ...(run.task === 'classify' ? { valAccuracy: lastVal?.valAccuracy ?? null, valMacroF1: lastVal?.valMacroF1 ?? null } : {}),
      },
      () =>
        [
          `Run ${runId} ${status} at step ${run.step}/${run.totalSteps} on ${run.backend}.`,
          `  train loss ${formatNumber(run.lastTrainLoss)} · validation loss ${formatNumber(valLoss)} (best ${formatNumber(run.bestValLoss)})` +
            (run.task === 'classify' && lastVal?.valAccuracy != null ? ` · accuracy ${(100 * lastVal.valAccuracy).toFixed(1)}% · macro-F1 ${lastVal.valMacroF1!.toFixed(3)}` : ''),
          `  ${formatDuration(run.trainSeconds)} of training · ${avgCharsPerSec ? Math.round(avgCharsPerSec).toLocaleString('en-US') : '–'} ${run.task === 'classify' ? 'examples' : 'chars'}/s`,
          status === 'stopped'
            ? `  Continue with: rnn-studio resume ${runId}`
            : run.task === 'classify'
              ? `  Classify with: rnn-studio classify ${runId} "some text"`
              : `  Sample with: rnn-studio sample ${runId}`,
        ].join('\n'),
    );
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    if (keys) {
      process.stdin.off('data', onKey);
      process.stdin.setRawMode(false);
      process.stdin.pause();
    }
  }
}
