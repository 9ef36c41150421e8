/** Image files a folder walk or glob picks up (files named explicitly are always tried). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.webp', '.avif', '.tif', '.tiff', '.gif'];

/** Token files a folder walk or glob picks up. */
export const TOKEN_EXTENSIONS: readonly string[] = ['.mmtok'];

/** Formats `decode` can write into a folder (a single output file takes its format from its extension). */
export const OUTPUT_IMAGE_FORMATS = ['png', 'jpg', 'webp', 'avif', 'tiff'] as const;
export type OutputImageFormat = (typeof OUTPUT_IMAGE_FORMATS)[number];
