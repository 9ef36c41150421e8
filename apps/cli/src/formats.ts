/** Image files a folder walk or glob picks up (files named explicitly are always tried). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.webp', '.avif', '.tif', '.tiff', '.gif'];

/** Token files a folder walk or glob picks up. */
export const TOKEN_EXTENSIONS: readonly string[] = ['.mmtok'];

/** Formats `decode` can write into a folder (a single output file takes its format from its extension). */
export const OUTPUT_IMAGE_FORMATS = ['png', 'jpg', 'webp', 'avif', 'tiff'] as const;
export type OutputImageFormat = (typeof OUTPUT_IMAGE_FORMATS)[number];

/** Audio files: routed to @mmtok/audio by encode, diagnose and train; decode writes these formats. */
export const AUDIO_EXTENSIONS: readonly string[] = ['.wav', '.flac', '.mp3', '.ogg', '.opus', '.m4a', '.aac'];

/** Video files: routed to @mmtok/video by encode, diagnose, train and info. */
export const VIDEO_EXTENSIONS: readonly string[] = ['.mp4', '.webm', '.mkv', '.mov', '.avi', '.m4v'];

/** Video files decode can write (a %05d.png pattern writes a PNG sequence). */
export const OUTPUT_VIDEO_EXTENSIONS: readonly string[] = ['.mp4', '.m4v', '.webm'];
