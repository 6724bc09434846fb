// /changes/<chapter>: what the chapter changed in the code of the chapter before it.
import Link from '@docusaurus/Link';
import Layout from '@theme/Layout';
import type { ChangesData, FileChangeData } from '../data';
import { sourceIndexPath, sourcePath } from '../routes';
import CodeHtml from './CodeHtml';

export default function ChangesPage({ data }: { data: ChangesData }) {
  const { chapter, previous, changes } = data;
  const total = (key: 'added' | 'removed') => changes.reduce((sum, change) => sum + change[key], 0);
  return (
    <Layout title={`What changed since ${previous.title}`} description={`From chapter ${previous.name} to chapter ${chapter.name}`}>
      <main className="container margin-vert--lg">
        <h1>What changed since chapter {previous.name}</h1>
        <p>
          Chapter {chapter.docPath ? <Link to={chapter.docPath}>{chapter.title}</Link> : chapter.name} starts from the code of{' '}
          {previous.docPath ? <Link to={previous.docPath}>{previous.title}</Link> : previous.name}. {changes.length} files differ:{' '}
          <span className="bramble-added">+{total('added')}</span> <span className="bramble-removed">−{total('removed')}</span> lines.
        </p>
        <table className="bramble-files bramble-changes">
          <thead>
            <tr>
              <th>File</th>
              <th>Change</th>
              <th>Added</th>
              <th>Removed</th>
            </tr>
          </thead>
          <tbody>
            {changes.map((change) => (
              <tr key={change.path} data-path={change.path} data-status={change.status}>
                <td>
                  <a href={`#${anchorOf(change)}`}>{change.path}</a>
                </td>
                <td>{change.status}</td>
                <td className="bramble-added">+{change.added}</td>
                <td className="bramble-removed">−{change.removed}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {changes.map((change) => (
          <section key={change.path} id={anchorOf(change)} className="bramble-file-change">
            <h2>
              {change.status === 'removed' ? (
                change.path
              ) : (
                <Link to={sourcePath(chapter.name, change.path)}>{change.path}</Link>
              )}{' '}
              <small>
                {change.status}, <span className="bramble-added">+{change.added}</span> <span className="bramble-removed">−{change.removed}</span>
              </small>
            </h2>
            {change.html === null ? <p>A binary file.</p> : <CodeHtml html={change.html} />}
          </section>
        ))}
        <p>
          <Link to={sourceIndexPath(chapter.name)}>Every file of chapter {chapter.name}</Link>
        </p>
      </main>
    </Layout>
  );
}

function anchorOf(change: FileChangeData): string {
  return `file-${change.path.replace(/[^\w-]/g, '-')}`;
}
