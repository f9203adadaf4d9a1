// Steering a training run from outside its loop: pause, resume, stop, checkpoint now, learning rate.
// The loop acts on these requests between steps.
export class TrainingControl {
  stopRequested = false;
  pauseRequested = false;
  checkpointRequested = false;
  newLearningRate: number | null = null;
  private wake: (() => void) | null = null;

  pause(): void {
    this.pauseRequested = true;
  }
  resume(): void {
    this.pauseRequested = false;
    this.wake?.();
  }
  stop(): void {
    this.stopRequested = true;
    this.wake?.();
  }
  checkpointNow(): void {
    this.checkpointRequested = true;
  }
  setLearningRate(lr: number): void {
    this.newLearningRate = lr;
  }
  /** Resolves on resume or stop. */
  waitWhilePaused(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = null;
        resolve();
      };
    });
  }
}
