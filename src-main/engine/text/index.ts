// The text front end: text → IPA (espeak-ng in WebAssembly, as the reference's phonemizer settings) and IPA ↔
// token ids (the reference's tokenizer.json BPE). See docs/text.md.
export { phonemize, warmUpG2p } from './g2p.js';
export { G2P_LANGUAGES, resolveLanguage, supportedLanguageCodes, type G2pEngine, type G2pLanguage } from './languages.js';
export { PhonemeTokenizer, TokenizerFileError, defaultTokenizerPath, type DecodeOptions, type EncodeOptions, type Encoding } from './tokenizer.js';
