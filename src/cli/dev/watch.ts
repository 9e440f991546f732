import { relative, sep } from "node:path";
import { watch } from "chokidar";

const ignoredDirs = new Set(["node_modules", ".git", ".tesserae", "dist", "coverage"]);

const ignoredFile = /(^|[/\\])(\.#|#)|~$|\.sw[px]$|\.tmp$/;

/** A running watch of a project's files. */
export interface ProjectWatch {
  /** Resolves once the files present at the start are watched: a change after this is seen. */
  readonly ready: Promise<void>;
  /** Stops watching; nothing is reported after it resolves. */
  close(): Promise<void>;
}

/**
 * Whether a change under `root` is left out: anything in node_modules, .git, .tesserae, dist or
 * coverage, a hidden folder at the top (a top-level hidden file such as .env counts), and editors'
 * lock, swap and backup files.
 */
function ignoredBy(root: string): (path: string, stats?: { isDirectory(): boolean }) => boolean {
  return (path, stats) => {
    const parts = relative(root, path).split(sep);
    if (parts[0] === "" || parts[0] === "..") return false;
    if (parts.some((part) => ignoredDirs.has(part))) return true;
    if (parts[0]!.startsWith(".") && (parts.length > 1 || stats?.isDirectory() === true)) return true;
    return ignoredFile.test(path);
  };
}

/**
 * Calls `onChange` (debounced) when a file of the project is added, changed or removed. chokidar
 * watches the folders and follows a file replaced by a rename (`sed -i`, an editor's atomic save):
 * Node's own recursive `fs.watch` on Linux watched the file's inode and lost it then.
 */
export function watchProject(root: string, onChange: (file: string) => void, debounceMs = 120): ProjectWatch {
  let timer: NodeJS.Timeout | undefined;
  let last = "";
  let closed = false;
  const watcher = watch(root, {
    ignored: ignoredBy(root),
    ignoreInitial: true,
    ignorePermissionErrors: true,
  });
  watcher.on("all", (event, path) => {
    if (closed || event === "addDir") return;
    last = relative(root, path);
    clearTimeout(timer);
    timer = setTimeout(() => onChange(last), debounceMs);
  });
  // A folder that vanishes mid-scan, or no permission: the rest stays watched.
  watcher.on("error", () => undefined);
  const ready = new Promise<void>((resolve) => watcher.once("ready", () => resolve()));
  return {
    ready,
    close() {
      closed = true;
      clearTimeout(timer);
      return watcher.close();
    },
  };
}
