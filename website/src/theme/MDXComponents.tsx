// The components the book's Markdown may use beyond Docusaurus's own.
import MDXComponents from '@theme-original/MDXComponents';
import Listing from '@site/src/components/Listing';
import Solution from '@site/src/components/Solution';
import Transcript from '@site/src/components/Transcript';

export default { ...MDXComponents, Listing, Solution, Transcript };
