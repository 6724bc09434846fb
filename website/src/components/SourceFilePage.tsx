// /source/<chapter>/<file>: one file of a chapter, highlighted, every line with an id L<n>.
import Link from '@docusaurus/Link';
import Layout from '@theme/Layout';
import type { SourceFileData } from '../data';
import { sourceIndexPath } from '../routes';
import CodeHtml from './CodeHtml';

export default function SourceFilePage({ data }: { data: SourceFileData }) {
  const { chapter, path, html } = data;
  return (
    <Layout title={`${path} (${chapter.name})`} description={`${path} in chapter ${chapter.name}`}>
      <main className="container margin-vert--lg">
        <p>
          <Link to={sourceIndexPath(chapter.name)}>chapters/{chapter.name}</Link>
        </p>
        <h1 className="bramble-file-title">{path}</h1>
        {html === null ? (
          <p>This file is not text.</p>
        ) : (
          <div className="bramble-source">
            <CodeHtml html={html} />
          </div>
        )}
      </main>
    </Layout>
  );
}
