// The components the book's Markdown may use beyond Docusaurus's own.
import MDXComponents from '@theme-original/MDXComponents';
import Listing from '@site/src/components/Listing';
import Transcript from '@site/src/components/Transcript';

export default { ...MDXComponents, Listing, Transcript };
