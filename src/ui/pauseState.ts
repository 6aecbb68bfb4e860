/** Whether the user paused or snoozed completions; snoozing ends by itself. */
export class PauseState {
  private paused = false;
  private battery = false;
  private snoozedUntil = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly onChange: () => void) {}

  get active(): boolean {
    return this.paused || this.battery || Date.now() < this.snoozedUntil;
  }

  /** Paused because the machine runs on battery (slm.pauseOnBattery). */
  get onBattery(): boolean {
    return this.battery;
  }

  setOnBattery(battery: boolean): void {
    if (battery === this.battery) return;
    this.battery = battery;
    this.onChange();
  }

  /** Minutes left of a snooze, 0 when not snoozed. */
  get snoozeMinutesLeft(): number {
    return Math.max(0, Math.ceil((this.snoozedUntil - Date.now()) / 60_000));
  }

  get isPaused(): boolean {
    return this.paused;
  }

  pause(): void {
    this.paused = true;
    this.onChange();
  }

  resume(): void {
    this.paused = false;
    this.snoozedUntil = 0;
    clearTimeout(this.timer);
    this.onChange();
  }

  snooze(minutes: number): void {
    this.snoozedUntil = Date.now() + minutes * 60_000;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onChange(), minutes * 60_000 + 50);
    this.onChange();
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
