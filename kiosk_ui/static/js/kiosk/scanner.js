// The tablet camera as a card reader. Frames go to qr_worker.js a few times a second,
// downscaled; the first decoded text is handed to onText. The camera runs only while the
// idle screen shows: stop() turns it off (and its light) before the deputy marks a ballot.

const WORKER_URL = '/static/js/kiosk/qr_worker.js';
const FRAME_INTERVAL_MS = 200;
const MAX_WIDTH = 960;

export class CardScanner {
  /** @param {HTMLVideoElement} video  @param {(text: string) => void} onText */
  constructor(video, onText) {
    this.video = video;
    this.onText = onText;
    this.stream = null;
    this.worker = null;
    this.timer = null;
    this.busy = false;
    this.starting = null;
    this.canvas = document.createElement('canvas');
  }

  get running() {
    return this.stream !== null;
  }

  /** Start the camera; resolves false when there is none or it is refused. Concurrent
   * calls share one start, so a quick idle → idle never opens the camera twice. */
  start() {
    if (this.stream) return Promise.resolve(true);
    this.starting ??= this.#start().finally(() => { this.starting = null; });
    return this.starting;
  }

  async #start() {
    if (!navigator.mediaDevices?.getUserMedia) return false;
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: 'user', width: { ideal: 1280 }, height: { ideal: 720 } },
      });
    } catch {
      return false;
    }
    this.stream = stream;
    this.video.srcObject = stream;
    try {
      await this.video.play();
    } catch {
      // autoplay of a muted stream is allowed; frames still arrive if play() is refused
    }
    this.worker = new Worker(WORKER_URL);
    this.worker.onmessage = (event) => {
      this.busy = false;
      if (typeof event.data === 'string' && this.stream) this.onText(event.data);
    };
    this.timer = setInterval(() => this.#grab(), FRAME_INTERVAL_MS);
    return true;
  }

  #grab() {
    const { video } = this;
    if (this.busy || !this.worker || video.readyState < 2 || !video.videoWidth) return;
    const scale = Math.min(1, MAX_WIDTH / video.videoWidth);
    const width = Math.round(video.videoWidth * scale);
    const height = Math.round(video.videoHeight * scale);
    this.canvas.width = width;
    this.canvas.height = height;
    const context = this.canvas.getContext('2d', { willReadFrequently: true });
    context.drawImage(video, 0, 0, width, height);
    const { data } = context.getImageData(0, 0, width, height);
    this.busy = true;
    this.worker.postMessage({ data, width, height }, [data.buffer]);
  }

  /** Turn the camera off and forget every frame. */
  stop() {
    clearInterval(this.timer);
    this.timer = null;
    this.worker?.terminate();
    this.worker = null;
    this.busy = false;
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = null;
    this.video.srcObject = null;
    this.canvas.width = 0;
    this.canvas.height = 0;
  }
}
