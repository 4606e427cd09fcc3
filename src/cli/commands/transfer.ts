import type { Session } from '../session.js';

export interface TransferFlags {
  dryRun?: boolean;
}

export async function copy(
  _s: Session,
  _src: string,
  _dst: string,
  _o: TransferFlags,
  _mode: 'copy' | 'copyto',
) {}
export async function move(
  _s: Session,
  _src: string,
  _dst: string,
  _o: TransferFlags,
  _mode: 'move' | 'moveto',
) {}
export async function sync(_s: Session, _src: string, _dst: string, _o: TransferFlags) {}
export async function check(
  _s: Session,
  _src: string,
  _dst: string,
  _o: { download?: boolean },
): Promise<number> {
  return 0;
}
