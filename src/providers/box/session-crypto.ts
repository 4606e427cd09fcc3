/** The upload session id at the end of a session URL (`…/files/upload_sessions/<id>`). */
export function sessionIdOf(resumeUrl: string): string {
  const path = new URL(resumeUrl).pathname.replace(/\/+$/, '');
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
}
