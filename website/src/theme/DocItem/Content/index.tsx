// A chapter's page: Docusaurus's own content, with links to the chapter's code above it and
// the "Run it here" terminal below it. Pages that are not chapters are left as they are.
import Link from '@docusaurus/Link';
import useDocusaurusContext from '@docusaurus/useDocusaurusContext';
import { useDoc } from '@docusaurus/plugin-content-docs/client';
import type { WrapperProps } from '@docusaurus/types';
import Content from '@theme-original/DocItem/Content';
import type ContentType from '@theme/DocItem/Content';
import RunIt from '@site/src/components/RunIt';
import { changesPath, sourceIndexPath } from '@site/src/routes';
import { useChapters } from '@site/src/site-data';

type Props = WrapperProps<typeof ContentType>;

export default function ContentWrapper(props: Props) {
  const { metadata } = useDoc();
  const { baseUrl } = useDocusaurusContext().siteConfig;
  const chapter = useChapters().find((c) => c.docPath !== null && baseUrl + c.docPath.slice(1) === metadata.permalink);
  if (!chapter) return <Content {...props} />;
  return (
    <>
      <nav className="bramble-chapter-links" aria-label="This chapter's code">
        <Link to={sourceIndexPath(chapter.name)}>Full source</Link>
        {chapter.previous && <Link to={changesPath(chapter.name)}>What changed since chapter {chapter.previous}</Link>}
        {chapter.kernel && <a href="#run-it-here">Run it here</a>}
      </nav>
      <Content {...props} />
      {chapter.kernel && <RunIt chapter={chapter.name} kernel={chapter.kernel} sd={chapter.sd} />}
    </>
  );
}
