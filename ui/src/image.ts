// Pictures chosen by the person, made ready to upload.

/** Side of the square an avatar is uploaded as (pixels). */
export const AVATAR_SIZE = 256;

/**
 * The middle square of the picture in `file`, scaled to `size`×`size`, as
 * PNG bytes (EXIF orientation applied by the browser engine; nothing of the
 * original file's metadata is kept).
 */
export async function squarePng(file: Blob, size = AVATAR_SIZE): Promise<number[]> {
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  const side = Math.min(bitmap.width, bitmap.height);
  const canvas = document.createElement("canvas");
  canvas.width = size;
  canvas.height = size;
  const g = canvas.getContext("2d");
  if (!g) throw new Error("no 2D canvas");
  g.imageSmoothingQuality = "high";
  g.drawImage(bitmap, (bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side, 0, 0, size, size);
  bitmap.close();
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/png"));
  if (!blob) throw new Error("the picture could not be encoded");
  return Array.from(new Uint8Array(await blob.arrayBuffer()));
}
