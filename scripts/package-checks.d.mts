// Types of package-checks.mjs, for the TypeScript tests that use it.
export declare const REPOSITORY: string;
export declare function expectedLinks(directory: string): {
  repository: { type: string; url: string; directory: string };
  homepage: string;
  bugs: { url: string };
};
export declare function markdownLinks(markdown: string): string[];
export declare function headingAnchors(markdown: string): Set<string>;
export declare function readmeLinkProblems(pkg: { readme: string; packedFiles: string[]; read: (packedPath: string) => string; root: string }): string[];
