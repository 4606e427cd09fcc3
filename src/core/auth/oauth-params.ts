import { CloudStorageError, ErrorCode } from '../errors.js';
import type { OAuthSettings } from './settings.js';

interface OAuthParam {
  name: string;
  value: string;
  /** Filled from a token response rather than set by the user: shown, but not sent. */
  fromResponse: boolean;
}

/**
 * The extra OAuth parameters (`OAuthParamCount`, `OAuthParamName[i]`, `OAuthParamValue[i]`). The user's
 * parameters go with every authorization URL and token request (Box's `box_subject_type`, a custom
 * `state`). As the reference says, the list also shows the extra fields of the last token response
 * (`restricted_to`, `account_id`, …); those are not sent back, unless the user sets them again.
 */
export class OAuthParams {
  private list: OAuthParam[] = [];

  /** Wires the three settings to this list. */
  install(settings: OAuthSettings): void {
    settings.defineReader('OAuthParamCount', () => String(this.list.length));
    settings.defineWriter('OAuthParamCount', (text) => {
      const n = Number(text.trim());
      if (!Number.isInteger(n) || n < 0) return; // the table's own check reports it
      this.list = this.list.slice(0, n);
      while (this.list.length < n) this.list.push({ name: '', value: '', fromResponse: false });
    });
    settings.defineReader('OAuthParamName', (i) => this.at(i).name);
    settings.defineReader('OAuthParamValue', (i) => this.at(i).value);
    settings.defineWriter('OAuthParamName', (value, i) => {
      const p = this.at(i);
      p.name = value;
      p.fromResponse = false;
    });
    settings.defineWriter('OAuthParamValue', (value, i) => {
      const p = this.at(i);
      p.value = value;
      p.fromResponse = false;
    });
  }

  /** The parameters to send: those the user set. */
  request(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const p of this.list) if (!p.fromResponse && p.name) out[p.name] = p.value;
    return out;
  }

  /** Takes in the extra fields of a token response: updates parameters of the same name, adds the others. */
  fromResponse(extra: Record<string, unknown>): void {
    for (const [name, value] of Object.entries(extra)) {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      const existing = this.list.find((p) => p.name === name);
      if (existing) existing.value = text;
      else this.list.push({ name, value: text, fromResponse: true });
    }
  }

  clear(): void {
    this.list = [];
  }

  private at(i: number | undefined): OAuthParam {
    const p = this.list[i ?? -1];
    if (!p) {
      throw new CloudStorageError(
        ErrorCode.InvalidIndex,
        `OAuth parameter index ${i} is out of range: OAuthParamCount is ${this.list.length}.`,
      );
    }
    return p;
  }
}
