/**
 * How many bytes a stream on a transfer path holds before it pushes back (its highWaterMark). Node's
 * default, 16 KiB, is smaller than one chunk of a socket or of a file read (64 KiB), so every chunk made
 * the stream full: the socket was paused and resumed, and the disk write waited for, once per chunk, and
 * the network and the disk took turns instead of working at the same time. A megabyte lets both run while
 * memory stays small and bounded (a few of these per transfer).
 */
export const STREAM_BUFFER_BYTES = 1024 * 1024;
