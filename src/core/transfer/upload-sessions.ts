/** The session (an id or a URL; '' = none yet) and the resume offset of one upload call. */
export interface UploadSessionState {
  session: string;
  startByte: number;
}

/**
 * The upload sessions the calls of one instance are sending.
 *
 * The instance's session properties are documented outputs, but per-call state must not live in them: two
 * uploads running at once on one instance would overwrite each other's, and an upload started meanwhile
 * would take the other's session for one to resume and append its bytes to it. So each call keeps its own
 * state; it is copied to the instance only while the instance shows this call's session (or none), and a
 * session that another call of the instance is still sending is never resumed.
 */
export class UploadSessions<K extends string> {
  private readonly inFlight = new Set<string>();

  /**
   * @param owner the instance, whose `key` property (Box's resumeUrl, Dropbox's uploadSessionId) and
   *   startByte show the upload session under way.
   */
  constructor(
    private readonly owner: Record<K, string> & { startByte: number },
    private readonly key: K,
  ) {}

  /**
   * Whether the instance shows a session one of its calls is sending right now: its startByte is then
   * that upload's progress, not an offset for another call to start from.
   */
  get showsUpload(): boolean {
    const shown = this.owner[this.key];
    return shown !== '' && this.inFlight.has(shown);
  }

  /**
   * The state of one upload call that resumes `given` at `startByte` ('' = a new session). A session this
   * instance is sending right now is not taken: the call starts a new one from 0. With `mirror` off the
   * instance is never written (per-call options named the session). `close()` when the upload ends,
   * whatever the outcome. `observer` (a call's `onSessionState` option) hears every change of this call's
   * state, which the instance's properties cannot tell apart when calls run at once.
   */
  open(
    given: string,
    startByte: number,
    mirror = true,
    observer?: (state: UploadSessionState) => void,
  ): UploadSessionState & { close(): void } {
    const { owner, key, inFlight } = this;
    const busy = given !== '' && inFlight.has(given);
    let session = busy ? '' : given;
    let start = busy ? 0 : startByte;
    if (session) inFlight.add(session);
    return {
      get session() {
        return session;
      },
      set session(value: string) {
        const shown = mirror && (owner[key] === session || owner[key] === '');
        inFlight.delete(session);
        session = value;
        if (value) inFlight.add(value);
        if (shown) owner[key] = value as (typeof owner)[K];
        observer?.({ session, startByte: start });
      },
      get startByte() {
        return start;
      },
      set startByte(value: number) {
        start = value;
        if (mirror && owner[key] === session) owner.startByte = value;
        observer?.({ session, startByte: start });
      },
      close() {
        inFlight.delete(session);
      },
    };
  }
}
