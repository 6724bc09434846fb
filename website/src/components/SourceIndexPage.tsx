// /source/<chapter>: every file of a chapter, each linking to its highlighted page.
import Link from '@docusaurus/Link';
import Layout from '@theme/Layout';
import type { SourceIndexData } from '../data';
import { changesPath, sourcePath } from '../routes';

export default function SourceIndexPage({ data }: { data: SourceIndexData }) {
  const { chapter, files } = data;
  return (
    <Layout title={`Source of ${chapter.title}`} description={`Every file of chapter ${chapter.name}`}>
      <main className="container margin-vert--lg">
        <h1>The source of {chapter.title}</h1>
        <p>
          Every file in <code>chapters/{chapter.name}</code>
          {chapter.docPath && (
            <>
              , as the chapter <Link to={chapter.docPath}>{chapter.title}</Link> leaves it
            </>
          )}
          .{chapter.previous && (
            <>
              {' '}
              See also <Link to={changesPath(chapter.name)}>what changed since {chapter.previous}</Link>.
            </>
          )}
        </p>
        <table className="bramble-files">
          <thead>
            <tr>
              <th>File</th>
              <th>Lines</th>
            </tr>
          </thead>
          <tbody>
            {files.map((file) => (
              <tr key={file.path}>
                <td>
                  <Link to={sourcePath(chapter.name, file.path)}>{file.path}</Link>
                </td>
                <td>{file.lines}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </main>
    </Layout>
  );
}
