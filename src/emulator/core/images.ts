/**
 * Small image encoders for the emulators' thumbnails, so that a thumbnail is a real picture that any
 * decoder accepts without the project depending on an image library: PNG (truecolour, per-row adaptive
 * filtering), baseline JPEG (JFIF, YCbCr 4:4:4, the quantisation and Huffman tables of ITU T.81 Annex K,
 * IJG quality scaling) and lossless WebP (VP8L, with a predictor transform when it pays). Plus
 * {@link imageSize}, which reads the dimensions of an uploaded image from its first bytes, for services
 * that scale thumbnails from the source's aspect ratio.
 *
 * Every encoder takes the same {@link RgbImage}; {@link solidImage} and {@link paintImage} make one.
 */

export { encodeJpeg } from './images/jpeg.js';
export { encodePng } from './images/png.js';
export { paintImage, type Rgb, type RgbImage, solidImage } from './images/raster.js';
export { type ImageSize, imageSize } from './images/size.js';
export { encodeWebp } from './images/webp.js';
