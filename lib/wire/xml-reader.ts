/**
 * Namespace-aware, incremental XML reading on sax. The reader hands out the elements at one depth
 * (the root itself for a jobInfo, the root's children for a batchInfoList or results) as small trees,
 * one at a time, so a list of any length is read in memory bounded by its largest element.
 * Element names are compared by local name, so any prefix works; DTDs are refused, and only the five
 * XML entities are known, so no entity is ever expanded.
 */
import type sax from 'sax';
import { ParseError } from '../errors.js';
import { sax as saxPackage } from '../packages.js';
import { XSI_NS } from './xml-writer.js';

export interface XmlElement {
  /** Local name, without prefix. */
  readonly name: string;
  /** Namespace URI ('' when none). */
  readonly uri: string;
  /** Attributes by local name. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  /** Text content directly inside this element, concatenated. */
  text: string;
  /** `xsi:nil="true"` was set. */
  readonly nil: boolean;
}

export interface XmlReadOptions {
  /** Named in errors, e.g. `jobInfo response`. */
  readonly source: string;
  /** Accepted root element local names; any when absent. */
  readonly rootNames?: readonly string[];
  /** 1 hands out the root itself, 2 its children. */
  readonly depth: 1 | 2;
  /** Most characters of text and names in one handed-out element; default 64 MiB. */
  readonly maxElementChars?: number;
  /** The line the text written first starts on, for errors in text that continues a document; default 1. */
  readonly firstLine?: number;
}

const DEFAULT_MAX_ELEMENT_CHARS = 64 * 1024 * 1024;

/** Push-driven core: write text, then take the finished elements. */
export class XmlElementCollector {
  readonly #parser: sax.SAXParser;
  readonly #options: XmlReadOptions;
  readonly #maxChars: number;
  readonly #stack: XmlElement[] = [];
  #ready: XmlElement[] = [];
  #depth = 0;
  #chars = 0;
  #error: ParseError | undefined;
  #root: string | undefined;

  constructor(options: XmlReadOptions) {
    this.#options = options;
    this.#maxChars = options.maxElementChars ?? DEFAULT_MAX_ELEMENT_CHARS;
    // strictEntities limits entities to the five of XML (@types/sax predates the option).
    const parser = saxPackage().parser(true, { xmlns: true, position: true, strictEntities: true } as sax.SAXOptions);
    parser.onerror = (err) => {
      this.#fail(`malformed XML: ${err.message.split('\n')[0]}`);
    };
    parser.ondoctype = () => this.#fail('a DOCTYPE is not allowed');
    parser.onopentag = (tag) => this.#open(tag as sax.QualifiedTag);
    parser.onclosetag = () => this.#close();
    parser.ontext = (text) => this.#text(text);
    parser.oncdata = (text) => this.#text(text);
    this.#parser = parser;
  }

  /** The root element's local name once seen. */
  get rootName(): string | undefined {
    return this.#root;
  }

  write(text: string): void {
    this.#throwIfFailed();
    this.#parser.write(text);
    this.#throwIfFailed();
  }

  end(): void {
    this.#throwIfFailed();
    this.#parser.close();
    this.#throwIfFailed();
    if (this.#root === undefined) this.#fail('no XML element found');
    this.#throwIfFailed();
  }

  /** Elements finished since the last call. */
  take(): XmlElement[] {
    const ready = this.#ready;
    this.#ready = [];
    return ready;
  }

  #open(tag: sax.QualifiedTag): void {
    this.#depth++;
    if (this.#depth === 1) {
      this.#root = tag.local;
      const roots = this.#options.rootNames;
      if (roots && !roots.includes(tag.local)) {
        this.#fail(`expected <${roots.join('> or <')}>, found <${tag.name}>`);
        return;
      }
    }
    if (this.#depth < this.#options.depth) return;
    const attributes: Record<string, string> = {};
    let nil = false;
    for (const attr of Object.values(tag.attributes)) {
      if (attr.prefix === 'xmlns' || attr.name === 'xmlns') continue;
      attributes[attr.local] = attr.value;
      if (attr.local === 'nil' && attr.uri === XSI_NS && attr.value === 'true') nil = true;
    }
    const element: XmlElement = { name: tag.local, uri: tag.uri, attributes, children: [], text: '', nil };
    this.#count(tag.name.length);
    const parent = this.#stack[this.#stack.length - 1];
    if (parent) parent.children.push(element);
    this.#stack.push(element);
  }

  #close(): void {
    if (this.#depth >= this.#options.depth) {
      const element = this.#stack.pop();
      if (element && this.#stack.length === 0) {
        this.#ready.push(element);
        this.#chars = 0;
      }
    }
    this.#depth--;
  }

  #text(text: string): void {
    const current = this.#stack[this.#stack.length - 1];
    if (!current) return; // whitespace between handed-out elements
    this.#count(text.length);
    current.text += text;
  }

  #count(chars: number): void {
    this.#chars += chars;
    if (this.#chars > this.#maxChars) this.#fail(`an element is larger than ${this.#maxChars} characters`);
  }

  #fail(message: string): void {
    if (this.#error) return;
    this.#error = new ParseError(message, {
      source: this.#options.source,
      line: this.#parser.line + (this.#options.firstLine ?? 1),
      column: this.#parser.column, // sax counts the offending character in already: 1-based
    });
  }

  #throwIfFailed(): void {
    if (this.#error) throw this.#error;
  }
}

/** Reads a body chunk by chunk and yields each element at the chosen depth as soon as it closes. */
export async function* readXmlElements(chunks: AsyncIterable<Uint8Array | string>, options: XmlReadOptions): AsyncGenerator<XmlElement> {
  const collector = new XmlElementCollector(options);
  const decoder = new TextDecoder('utf-8', { fatal: false });
  for await (const chunk of chunks) {
    collector.write(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    yield* collector.take();
  }
  collector.write(decoder.decode());
  collector.end();
  yield* collector.take();
}

/** Parses a whole small document (already in memory) and returns its root. */
export function parseXmlDocument(body: string | Uint8Array, options: Omit<XmlReadOptions, 'depth'>): XmlElement {
  const collector = new XmlElementCollector({ ...options, depth: 1 });
  collector.write(typeof body === 'string' ? body : new TextDecoder().decode(body));
  collector.end();
  const [root] = collector.take();
  if (!root) throw new ParseError('document has no root element', { source: options.source });
  return root;
}

/** The first child with this local name. */
export function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

/** The text of the first child with this local name; undefined when absent or nil. */
export function childText(element: XmlElement, name: string): string | undefined {
  const c = child(element, name);
  return c && !c.nil ? c.text : undefined;
}
