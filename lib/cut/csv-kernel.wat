;; The CSV fast path's scan kernel (WebAssembly SIMD, simd128): finds the ends of the records that
;; need no closer look, 16 bytes at a time. Source of lib/cut/csv-kernel-wasm.ts (rebuild with
;; `npm run build:kernel`; test/cut/csv-kernel.test.ts checks that the committed binary is this).
;;
;; scan(start, end, delim, expected, maxLength, cap, out) reads the window memory[start, end), which starts at
;; a record start outside quotes, and writes to memory[out..] (i32 each) the end (just past the LF)
;; of each record, in order, for as long as every record is plain: ended by an LF (or CRLF) outside
;; quotes, not empty, holding `expected` delimiters outside quotes, with a quote only where a field
;; starts (after a delimiter, a line end or a closing quote: `""`), a closing quote followed only by
;; a delimiter, a line end or a quote, no line end inside quotes, and at most `maxLength` bytes
;; long (its line end included). It stops before the first
;; record that is not plain (that one is for the exact JS scanner and judge), before a record the
;; window cuts off, or after `cap` records; returns how many it wrote. Bytes from `end` to end + 16
;; are read and ignored (the caller leaves room).
;;
;; Quotes are tracked by the prefix XOR of each block's quote mask (as simdjson and simdcsv do):
;; for a record with no stray quote this is the scanner's own quote state, and a stray quote is
;; caught where it stands (a quote that opens where no field starts), so a plain record is never
;; misread.
(module
  (memory (export "memory") 21)
  (func (export "scan") (param $start i32) (param $end i32) (param $delim i32) (param $expected i32) (param $maxLength i32) (param $cap i32) (param $out i32) (result i32)
    (local $p i32) (local $rec i32) (local $dc i32) (local $inq i32) (local $prev i32) (local $count i32)
    (local $v v128) (local $vq v128) (local $vd v128) (local $vl v128) (local $vc v128)
    (local $qm i32) (local $dm i32) (local $lm i32) (local $cm i32) (local $valid i32)
    (local $x i32) (local $close i32) (local $bad i32) (local $ends i32) (local $dmo i32) (local $nextPrev i32)
    (local $from i32) (local $bit i32) (local $seg i32) (local $e i32) (local $nb i32)
    (local.set $vq (i8x16.splat (i32.const 0x22)))
    (local.set $vd (i8x16.splat (local.get $delim)))
    (local.set $vl (i8x16.splat (i32.const 0x0a)))
    (local.set $vc (i8x16.splat (i32.const 0x0d)))
    (local.set $p (local.get $start))
    (local.set $rec (local.get $start))
    (local.set $prev (i32.const 1))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $v (v128.load (local.get $p)))
        (local.set $valid
          (if (result i32) (i32.ge_u (i32.sub (local.get $end) (local.get $p)) (i32.const 16))
            (then (i32.const 0xffff))
            (else (i32.sub (i32.shl (i32.const 1) (i32.sub (local.get $end) (local.get $p))) (i32.const 1)))))
        (local.set $qm (i32.and (i8x16.bitmask (i8x16.eq (local.get $v) (local.get $vq))) (local.get $valid)))
        (local.set $dm (i32.and (i8x16.bitmask (i8x16.eq (local.get $v) (local.get $vd))) (local.get $valid)))
        (local.set $lm (i32.and (i8x16.bitmask (i8x16.eq (local.get $v) (local.get $vl))) (local.get $valid)))
        (local.set $cm (i32.and (i8x16.bitmask (i8x16.eq (local.get $v) (local.get $vc))) (local.get $valid)))
        (if (i32.eqz (i32.or (local.get $qm) (local.get $inq)))
          (then
            ;; No quote, outside quotes: only delimiters and line ends.
            (local.set $bad (i32.const 0))
            (local.set $dmo (local.get $dm))
            (local.set $ends (i32.or (local.get $lm) (local.get $cm)))
            (local.set $nextPrev (i32.and (i32.shr_u (i32.or (local.get $dm) (local.get $ends)) (i32.const 15)) (i32.const 1))))
          (else
            ;; x: bit i set when byte i is inside quotes (an opening quote counts as inside, a closing one not).
            (local.set $x (local.get $qm))
            (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 1))))
            (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 2))))
            (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 4))))
            (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 8))))
            (local.set $x (i32.and (i32.xor (local.get $x) (local.get $inq)) (i32.const 0xffff)))
            (local.set $close (i32.and (local.get $qm) (i32.xor (local.get $x) (i32.const 0xffff))))
            (local.set $dmo (i32.and (local.get $dm) (i32.xor (local.get $x) (i32.const 0xffff))))
            (local.set $ends (i32.and (i32.or (local.get $lm) (local.get $cm)) (i32.xor (local.get $x) (i32.const 0xffff))))
            ;; A line end inside quotes: the record spans lines (its line count is the scanner's to make).
            (local.set $bad (i32.and (i32.or (local.get $lm) (local.get $cm)) (local.get $x)))
            ;; An opening quote where no field starts: a stray quote.
            (local.set $bad
              (i32.or (local.get $bad)
                (i32.and (i32.and (local.get $qm) (local.get $x))
                  (i32.xor (i32.const -1)
                    (i32.or (i32.shl (i32.or (i32.or (local.get $dmo) (local.get $ends)) (local.get $close)) (i32.const 1)) (local.get $prev))))))
            ;; A closing quote followed by anything but a delimiter, a line end or a quote.
            (local.set $nb (i32.load8_u (i32.add (local.get $p) (i32.const 16))))
            (local.set $bad
              (i32.or (local.get $bad)
                (i32.and (local.get $close)
                  (i32.xor (i32.const -1)
                    (i32.or
                      (i32.shr_u (i32.or (i32.or (local.get $dm) (local.get $lm)) (i32.or (local.get $cm) (local.get $qm))) (i32.const 1))
                      (i32.shl
                        (i32.or
                          (i32.or (i32.eq (local.get $nb) (local.get $delim)) (i32.eq (local.get $nb) (i32.const 0x0a)))
                          (i32.or (i32.eq (local.get $nb) (i32.const 0x0d)) (i32.eq (local.get $nb) (i32.const 0x22))))
                        (i32.const 15)))))))
            (local.set $inq (i32.and (i32.sub (i32.const 0) (i32.and (i32.shr_u (local.get $x) (i32.const 15)) (i32.const 1))) (i32.const 0xffff)))
            (local.set $nextPrev
              (i32.and (i32.shr_u (i32.or (i32.or (local.get $dmo) (local.get $ends)) (local.get $close)) (i32.const 15)) (i32.const 1)))))
        ;; The line ends outside quotes, in order; $from: the bits of the block in the open record.
        (local.set $from (i32.const 0xffff))
        (block $blockEnd
          (loop $eachEnd
            (br_if $blockEnd (i32.eqz (local.get $ends)))
            (local.set $bit (i32.shl (i32.const 1) (i32.ctz (local.get $ends))))
            (local.set $ends (i32.and (local.get $ends) (i32.sub (local.get $ends) (i32.const 1))))
            (local.set $seg (i32.and (local.get $from) (i32.sub (i32.shl (local.get $bit) (i32.const 1)) (i32.const 1))))
            (local.set $e (i32.add (local.get $p) (i32.ctz (local.get $bit))))
            (if (i32.eq (i32.load8_u (local.get $e)) (i32.const 0x0d))
              (then
                ;; A CR: the LF after it ends the record; a CR alone (or one the window cuts off from its LF) is for the scanner.
                (if (i32.ge_u (i32.add (local.get $e) (i32.const 1)) (local.get $end)) (then (return (local.get $count))))
                (if (i32.ne (i32.load8_u (i32.add (local.get $e) (i32.const 1))) (i32.const 0x0a)) (then (return (local.get $count))))
                (br $eachEnd)))
            (if (i32.and (local.get $bad) (local.get $seg)) (then (return (local.get $count))))
            ;; An empty line (LF or CRLF alone) is for the scanner.
            (if (i32.eq (local.get $e) (local.get $rec)) (then (return (local.get $count))))
            (if (i32.and (i32.eq (local.get $e) (i32.add (local.get $rec) (i32.const 1))) (i32.eq (i32.load8_u (local.get $rec)) (i32.const 0x0d)))
              (then (return (local.get $count))))
            (if (i32.ne (i32.add (local.get $dc) (i32.popcnt (i32.and (local.get $dmo) (local.get $seg)))) (local.get $expected))
              (then (return (local.get $count))))
            (if (i32.gt_u (i32.sub (i32.add (local.get $e) (i32.const 1)) (local.get $rec)) (local.get $maxLength))
              (then (return (local.get $count))))
            (i32.store (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 2))) (i32.add (local.get $e) (i32.const 1)))
            (local.set $count (i32.add (local.get $count) (i32.const 1)))
            (if (i32.eq (local.get $count) (local.get $cap)) (then (return (local.get $count))))
            (local.set $rec (i32.add (local.get $e) (i32.const 1)))
            (local.set $dc (i32.const 0))
            (local.set $from (i32.and (i32.xor (i32.sub (i32.shl (local.get $bit) (i32.const 1)) (i32.const 1)) (i32.const -1)) (i32.const 0xffff)))
            (br $eachEnd)))
        ;; The record still open at the block's end is not plain already: stop before it.
        (if (i32.and (local.get $bad) (local.get $from)) (then (return (local.get $count))))
        (local.set $dc (i32.add (local.get $dc) (i32.popcnt (i32.and (local.get $dmo) (local.get $from)))))
        (local.set $prev (local.get $nextPrev))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $blocks)))
    (local.get $count)))
