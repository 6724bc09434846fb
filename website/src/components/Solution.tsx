// <Solution chapter exercise />: an exercise's reference solution, folded away until the reader
// asks for it. The remark plugin (plugins/remark-listings.ts) has read the patch and highlighted
// it, and adds `html` and `patch` (its path in the repository).
import CodeHtml from './CodeHtml';

interface Props {
  chapter: string;
  exercise: string;
  html: string;
  patch: string;
}

export default function Solution({ chapter, exercise, html, patch }: Props) {
  return (
    <details className="bramble-solution" data-exercise={exercise}>
      <summary>Solution</summary>
      <p>
        A reference solution, <code>{patch}</code>. Check yours with <code>npm run exercise -- {chapter.slice(0, 2)} {exercise}</code>; apply this one to
        an unchanged chapter with <code>patch -p1 -d chapters/{chapter} &lt; {patch}</code>.
      </p>
      <CodeHtml html={html} />
    </details>
  );
}
