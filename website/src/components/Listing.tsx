// <Listing chapter file anchor />: a passage of a chapter's code. The remark plugin
// (plugins/remark-listings.ts) has already cut it out of the file and highlighted it, and
// adds `html` and `to` (the file's full-source page, at the passage's first line).
import Link from '@docusaurus/Link';
import CodeHtml from './CodeHtml';

interface Props {
  chapter: string;
  file: string;
  anchor: string;
  html: string;
  to: string;
}

export default function Listing({ chapter, file, anchor, html, to }: Props) {
  return (
    <figure className="bramble-listing" data-anchor={anchor}>
      <figcaption>
        <Link to={to} title={`${file} in chapter ${chapter}, in full`}>
          {file}
        </Link>
      </figcaption>
      <CodeHtml html={html} />
    </figure>
  );
}
