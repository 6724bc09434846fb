// Code highlighted at build time by Shiki: its HTML is ours (made from the repository's own
// files in plugins/highlight.ts), so it is safe to insert as it is.
export default function CodeHtml({ html }: { html: string }) {
  return <div className="bramble-code" dangerouslySetInnerHTML={{ __html: html }} />;
}
