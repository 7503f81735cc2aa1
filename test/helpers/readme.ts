/** The README's TypeScript blocks, joined: what a reader copies into a file. */
export function readmeSnippet(readme: string): string {
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((m) => m[1])
    .join("");
}
