// Export on a run's page: the desktop app asks for a folder and calls runs:export; a browser downloads
// the .zip from the bridge. The chosen format and checkpoint reach the core; its answer is shown.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor } from '@testing-library/svelte';
import { ApiError } from '../../shared/api.ts';
import { EXPORT_FORMATS } from '../../shared/formats.ts';
import type { CheckpointRecord } from '../../shared/types.ts';

const mock = vi.hoisted(() => ({ transport: 'electron' as 'electron' | 'browser', invoke: vi.fn(), downloadExport: vi.fn() }));
vi.mock('../src/lib/api.ts', async () => (await import('./api-mock.ts')).fakeApi(mock, {
    get transport() {
      return mock.transport;
    },
    downloadExport: mock.downloadExport,
  }));

const { default: ExportPanel } = await import('../src/components/ExportPanel.svelte');

function checkpoint(id: number, step: number): CheckpointRecord {
  return { id, runId: 7, step, epoch: 0, path: `/x/${id}.ckpt`, bytes: 100, reason: 'periodic', trainLoss: 1, valLoss: null, createdAt: '' };
}
const checkpoints = [checkpoint(11, 100), checkpoint(12, 200)];

beforeEach(() => {
  mock.invoke.mockReset();
  mock.downloadExport.mockReset();
});

describe('ExportPanel in the desktop app', () => {
  beforeEach(() => (mock.transport = 'electron'));

  it('offers every export format and every checkpoint, latest first', () => {
    render(ExportPanel, { runId: 7, checkpoints });
    const formats = [...(screen.getByRole('combobox', { name: 'Format' }) as HTMLSelectElement).options].map((o) => o.value);
    expect(formats).toEqual([...EXPORT_FORMATS]);
    const choices = [...(screen.getByRole('combobox', { name: 'Checkpoint' }) as HTMLSelectElement).options].map((o) => o.textContent);
    expect(choices).toEqual(['Latest', 'step 200 · periodic', 'step 100 · periodic']);
  });

  it('says how a PyTorch export trains elsewhere and comes back, only when PyTorch is chosen', async () => {
    render(ExportPanel, { runId: 7, checkpoints });
    expect(screen.queryByText(/torchrun/)).toBeNull();
    await fireEvent.change(screen.getByRole('combobox', { name: 'Format' }), { target: { value: 'pytorch' } });
    expect(screen.getByText(/torchrun --nproc_per_node 2 train.py/)).toBeTruthy();
    expect(screen.getByText(/rnn-studio import-model FOLDER/)).toBeTruthy();
  });

  it('asks for a folder, exports the chosen format and checkpoint into it, and lists the files written', async () => {
    mock.invoke.mockImplementation(async (channel: string) => {
      if (channel === 'dialog:open') return { path: '/home/me/model' };
      return { format: 'onnx', files: ['/home/me/model/model.onnx', '/home/me/model/vocab.json'], runId: 7, checkpointId: 11 };
    });
    render(ExportPanel, { runId: 7, checkpoints });
    await fireEvent.change(screen.getByRole('combobox', { name: 'Format' }), { target: { value: 'onnx' } });
    await fireEvent.change(screen.getByRole('combobox', { name: 'Checkpoint' }), { target: { value: '11' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Export to a folder…' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toMatch(/Wrote 2 files in \/home\/me\/model/));
    expect(mock.invoke).toHaveBeenNthCalledWith(1, 'dialog:open', { kind: 'folder', purpose: 'export' });
    expect(mock.invoke).toHaveBeenNthCalledWith(2, 'runs:export', { runId: 7, format: 'onnx', checkpointId: 11, out: '/home/me/model' });
    expect(screen.getByText('/home/me/model/model.onnx')).toBeTruthy();
    expect(screen.getByText('/home/me/model/vocab.json')).toBeTruthy();
    expect(mock.downloadExport).not.toHaveBeenCalled();
  });

  it('exports the latest checkpoint by default, with force when asked to write into a folder with other files', async () => {
    mock.invoke.mockImplementation(async (channel: string) => (channel === 'dialog:open' ? { path: '/tmp/out' } : { format: 'tfjs', files: ['/tmp/out/model.json'], runId: 7, checkpointId: 12 }));
    render(ExportPanel, { runId: 7, checkpoints });
    await fireEvent.click(screen.getByRole('checkbox', { name: /Into a folder with other files/ }));
    await fireEvent.click(screen.getByRole('button', { name: 'Export to a folder…' }));
    await waitFor(() => expect(screen.getByRole('status')).toBeTruthy());
    expect(mock.invoke).toHaveBeenLastCalledWith('runs:export', { runId: 7, format: 'tfjs', out: '/tmp/out', force: true });
  });

  it('does nothing when the dialog is cancelled', async () => {
    mock.invoke.mockResolvedValue({ path: null });
    render(ExportPanel, { runId: 7, checkpoints });
    await fireEvent.click(screen.getByRole('button', { name: 'Export to a folder…' }));
    await waitFor(() => expect((screen.getByRole('button', { name: 'Export to a folder…' }) as HTMLButtonElement).disabled).toBe(false));
    expect(mock.invoke).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole('status')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it("shows the core's message when a format is refused", async () => {
    const message = 'the html export is not built yet';
    mock.invoke.mockImplementation(async (channel: string) => {
      if (channel === 'dialog:open') return { path: '/tmp/out' };
      throw new ApiError('bad-input', message);
    });
    render(ExportPanel, { runId: 7, checkpoints });
    await fireEvent.change(screen.getByRole('combobox', { name: 'Format' }), { target: { value: 'html' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Export to a folder…' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe(message));
    expect(mock.invoke).toHaveBeenLastCalledWith('runs:export', { runId: 7, format: 'html', out: '/tmp/out' });
  });
});

describe('ExportPanel in a browser', () => {
  beforeEach(() => (mock.transport = 'browser'));

  it('downloads the .zip of the chosen format and checkpoint, without a folder dialog', async () => {
    mock.downloadExport.mockResolvedValue('run-7-onnx.zip');
    render(ExportPanel, { runId: 7, checkpoints });
    expect(screen.queryByRole('checkbox')).toBeNull();
    await fireEvent.change(screen.getByRole('combobox', { name: 'Format' }), { target: { value: 'onnx' } });
    await fireEvent.change(screen.getByRole('combobox', { name: 'Checkpoint' }), { target: { value: '12' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Download .zip' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toMatch(/run-7-onnx\.zip/));
    expect(mock.downloadExport).toHaveBeenCalledWith(7, 'onnx', 12);
    expect(mock.invoke).not.toHaveBeenCalled();
  });

  it("shows the bridge's message when the export is refused", async () => {
    mock.downloadExport.mockRejectedValue(new Error('runs:export: run 7 is still starting'));
    render(ExportPanel, { runId: 7, checkpoints });
    await fireEvent.click(screen.getByRole('button', { name: 'Download .zip' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('runs:export: run 7 is still starting'));
    expect(mock.downloadExport).toHaveBeenCalledWith(7, 'tfjs', undefined);
  });
});
