import { expect } from 'chai';
import { attachmentReference } from '../../../lib/attachments/attachment-reference.js';

describe('lib/attachments/attachment-reference', () => {
  it('reads a value with or without # as a path in the folder, in the zip form', () => {
    expect(attachmentReference('#a.jpg')).to.deep.equal({ entry: 'a.jpg' });
    expect(attachmentReference('photos/a.jpg')).to.deep.equal({ entry: 'photos/a.jpg' });
    expect(attachmentReference('#photos\\2026\\a.jpg')).to.deep.equal({ entry: 'photos/2026/a.jpg' });
    expect(attachmentReference('./x/../y.txt')).to.deep.equal({ entry: 'y.txt' });
    expect(attachmentReference('#répertoire/naïve file.txt')).to.deep.equal({ entry: 'répertoire/naïve file.txt' });
  });

  it('refuses what names no file of the folder', () => {
    const problem = (value: string) => (attachmentReference(value) as { problem?: string }).problem ?? '';
    expect(problem('#')).to.contain('names no file');
    expect(problem('  ')).to.contain('names no file');
    expect(problem('../secret')).to.contain('outside the attachments folder');
    expect(problem('a/../../secret')).to.contain('outside the attachments folder');
    expect(problem('/etc/passwd')).to.contain('absolute path');
    expect(problem('C:\\Windows\\x')).to.contain('absolute path');
    expect(problem('photos/')).to.contain('the folder photos/');
    expect(problem('.')).to.contain('folder');
    expect(problem(`#${'a'.repeat(70_000)}`)).to.contain('longer than a zip can hold');
  });
});
