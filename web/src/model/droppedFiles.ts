// The files of a drop, folders included: a dropped folder arrives as one DataTransferItem whose entry
// (webkitGetAsEntry, the File and Directory Entries API) is read recursively, so a folder saved by
// `convnet train` or a TF.js model folder dropped whole loads as the folder input does.
// NOTE: the entries must be taken synchronously in the drop handler; the list is emptied after it returns.

/** A dropped file and its path in the drop ("resnet/model.json"; the bare name for a file dropped alone). */
export interface DroppedFile {
  path: string;
  file: File;
}

/** The entry API's parts read here (FileSystemEntry and its kinds), so tests can hand in their own. */
interface Entry {
  isFile: boolean;
  isDirectory: boolean;
  fullPath: string;
  name: string;
}
interface FileEntry extends Entry {
  file(onFile: (file: File) => void, onError: (error: unknown) => void): void;
}
interface DirectoryEntry extends Entry {
  createReader(): { readEntries(onEntries: (entries: Entry[]) => void, onError: (error: unknown) => void): void };
}

/** Folders read at most this deep: a link cycle or a dropped disk does not read forever. */
const MAX_DEPTH = 8;

async function readEntry(entry: Entry, depth: number, into: DroppedFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileEntry).file(resolve, reject));
    into.push({ path: entry.fullPath.replace(/^\//, '') || entry.name, file });
    return;
  }
  if (!entry.isDirectory || depth >= MAX_DEPTH) return;
  const reader = (entry as DirectoryEntry).createReader();
  // readEntries hands out a folder in batches (100 in Chromium) until it answers an empty one.
  for (;;) {
    const batch = await new Promise<Entry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return;
    for (const child of batch) await readEntry(child, depth + 1, into);
  }
}

/** Every file of the drop, the files inside dropped folders included, in the order read. */
export async function droppedFiles(transfer: DataTransfer): Promise<DroppedFile[]> {
  const entries: (Entry | null)[] = [...transfer.items]
    .filter((item) => item.kind === 'file')
    .map((item) => (typeof item.webkitGetAsEntry === 'function' ? (item.webkitGetAsEntry() as Entry | null) : null));
  // Without the entry API (or a drop of plain files built by a script), the file list is all there is.
  if (entries.length === 0 || entries.some((entry) => entry === null))
    return [...transfer.files].map((file) => ({ path: file.name, file }));
  const files: DroppedFile[] = [];
  for (const entry of entries) await readEntry(entry!, 0, files);
  return files;
}

/** Calls `onFiles` with the files of each drop on `zone`, folders read through (see droppedFiles). */
export function acceptDroppedFolders(
  zone: HTMLElement,
  onFiles: (files: DroppedFile[]) => void,
  onError: (message: string) => void,
): void {
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('is-over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('is-over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('is-over');
    if (event.dataTransfer === null) return;
    droppedFiles(event.dataTransfer).then(onFiles, (error: unknown) =>
      onError(`The dropped folder could not be read: ${error instanceof Error ? error.message : String(error)}`),
    );
  });
}
