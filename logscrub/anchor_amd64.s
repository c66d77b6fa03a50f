#include "textflag.h"

// Sixteen copies each of '.', ':', '@', '%', '&' and '\\'.
DATA anchorBytes<>+0x00(SB)/8, $0x2e2e2e2e2e2e2e2e
DATA anchorBytes<>+0x08(SB)/8, $0x2e2e2e2e2e2e2e2e
DATA anchorBytes<>+0x10(SB)/8, $0x3a3a3a3a3a3a3a3a
DATA anchorBytes<>+0x18(SB)/8, $0x3a3a3a3a3a3a3a3a
DATA anchorBytes<>+0x20(SB)/8, $0x4040404040404040
DATA anchorBytes<>+0x28(SB)/8, $0x4040404040404040
DATA anchorBytes<>+0x30(SB)/8, $0x2525252525252525
DATA anchorBytes<>+0x38(SB)/8, $0x2525252525252525
DATA anchorBytes<>+0x40(SB)/8, $0x2626262626262626
DATA anchorBytes<>+0x48(SB)/8, $0x2626262626262626
DATA anchorBytes<>+0x50(SB)/8, $0x5c5c5c5c5c5c5c5c
DATA anchorBytes<>+0x58(SB)/8, $0x5c5c5c5c5c5c5c5c
GLOBL anchorBytes<>(SB), RODATA|NOPTR, $96

// part sets the 16 bits of reg for the anchor bytes at off(SI).
#define part(off, reg) \
	MOVOU off(SI), X0; \
	MOVO X0, X1; \
	MOVO X0, X2; \
	MOVO X0, X3; \
	MOVO X0, X4; \
	MOVO X0, X5; \
	PCMPEQB X8, X0; \
	PCMPEQB X9, X1; \
	PCMPEQB X10, X2; \
	PCMPEQB X11, X3; \
	PCMPEQB X12, X4; \
	PCMPEQB X13, X5; \
	POR X1, X0; \
	POR X3, X2; \
	POR X5, X4; \
	POR X2, X0; \
	POR X4, X0; \
	PMOVMSKB X0, reg

// func anchorMask64(p *[64]byte) uint64
TEXT ·anchorMask64(SB), NOSPLIT, $0-16
	MOVQ p+0(FP), SI
	CMPB ·hasSSSE3(SB), $0
	JNE ssse3
	MOVOU anchorBytes<>+0x00(SB), X8
	MOVOU anchorBytes<>+0x10(SB), X9
	MOVOU anchorBytes<>+0x20(SB), X10
	MOVOU anchorBytes<>+0x30(SB), X11
	MOVOU anchorBytes<>+0x40(SB), X12
	MOVOU anchorBytes<>+0x50(SB), X13
	part(0, AX)
	part(16, BX)
	part(32, CX)
	part(48, DX)
	SHLQ $16, BX
	SHLQ $32, CX
	SHLQ $48, DX
	ORQ BX, AX
	ORQ DX, CX
	ORQ CX, AX
	MOVQ AX, ret+8(FP)
	RET

// The anchors by nibbles, for PSHUFB: a byte is an anchor when
// lowNibble[b&15] & highNibble[b>>4] != 0. Each high nibble of an anchor
// has a bit of its own (2: 1, 3: 2, 4: 4, 5: 8), set in the low nibbles
// of its anchors ('.' 0x2e, '%' 0x25, '&' 0x26; ':' 0x3a; '@' 0x40;
// '\\' 0x5c), so no other byte has both.
DATA lowNibble<>+0x00(SB)/8, $0x0001010000000004
DATA lowNibble<>+0x08(SB)/8, $0x0001000800020000
GLOBL lowNibble<>(SB), RODATA|NOPTR, $16
DATA highNibble<>+0x00(SB)/8, $0x0000080402010000
DATA highNibble<>+0x08(SB)/8, $0x0000000000000000
GLOBL highNibble<>(SB), RODATA|NOPTR, $16
DATA nibbleMask<>+0x00(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA nibbleMask<>+0x08(SB)/8, $0x0f0f0f0f0f0f0f0f
GLOBL nibbleMask<>(SB), RODATA|NOPTR, $16

// shuf sets the 16 bits of reg for the bytes at off(SI) that are NOT
// anchors (inverted at the end: one NOT for four parts).
#define shuf(off, reg) \
	MOVOU off(SI), X0; \
	MOVO X0, X1; \
	PSRLW $4, X1; \
	PAND X15, X0; \
	PAND X15, X1; \
	MOVO X13, X2; \
	MOVO X14, X3; \
	PSHUFB X0, X2; \
	PSHUFB X1, X3; \
	PAND X3, X2; \
	PCMPEQB X12, X2; \
	PMOVMSKB X2, reg

ssse3:
	MOVOU lowNibble<>(SB), X13
	MOVOU highNibble<>(SB), X14
	MOVOU nibbleMask<>(SB), X15
	PXOR X12, X12
	shuf(0, AX)
	shuf(16, BX)
	shuf(32, CX)
	shuf(48, DX)
	SHLQ $16, BX
	SHLQ $32, CX
	SHLQ $48, DX
	ORQ BX, AX
	ORQ DX, CX
	ORQ CX, AX
	NOTQ AX
	MOVQ AX, ret+8(FP)
	RET

// func indexPairBlocks(p *byte, n int, c1, c2 byte, d int) int
TEXT ·indexPairBlocks(SB), NOSPLIT, $0-40
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	MOVBLZX c1+16(FP), AX
	MOVBLZX c2+17(FP), BX
	MOVQ d+24(FP), DX
	// X8 = 16 x c1, X9 = 16 x c2
	MOVQ AX, X8
	PUNPCKLBW X8, X8
	PUNPCKLBW X8, X8
	PSHUFL $0, X8, X8
	MOVQ BX, X9
	PUNPCKLBW X9, X9
	PUNPCKLBW X9, X9
	PSHUFL $0, X9, X9
	LEAQ (SI)(DX*1), R8
	XORQ DI, DI
	// 64 positions a round while they last: one test of the four masks
	// ORed, and the loop's cost shared by four blocks.
pairloop64:
	LEAQ 64(DI), R9
	CMPQ R9, CX
	JA pairloop
	MOVOU (SI)(DI*1), X0
	MOVOU (R8)(DI*1), X1
	MOVOU 16(SI)(DI*1), X2
	MOVOU 16(R8)(DI*1), X3
	MOVOU 32(SI)(DI*1), X4
	MOVOU 32(R8)(DI*1), X5
	MOVOU 48(SI)(DI*1), X6
	MOVOU 48(R8)(DI*1), X7
	PCMPEQB X8, X0
	PCMPEQB X9, X1
	PCMPEQB X8, X2
	PCMPEQB X9, X3
	PCMPEQB X8, X4
	PCMPEQB X9, X5
	PCMPEQB X8, X6
	PCMPEQB X9, X7
	PAND X1, X0
	PAND X3, X2
	PAND X5, X4
	PAND X7, X6
	MOVO X0, X10
	POR X2, X10
	POR X4, X10
	POR X6, X10
	PMOVMSKB X10, AX
	TESTL AX, AX
	JNZ pairfound64
	MOVQ R9, DI
	JMP pairloop64
pairfound64:
	PMOVMSKB X0, AX
	PMOVMSKB X2, BX
	PMOVMSKB X4, R10
	PMOVMSKB X6, R11
	SHLQ $16, BX
	SHLQ $32, R10
	SHLQ $48, R11
	ORQ BX, AX
	ORQ R11, R10
	ORQ R10, AX
	BSFQ AX, AX
	ADDQ DI, AX
	MOVQ AX, ret+32(FP)
	RET
	// The last blocks, 16 positions at a time.
pairloop:
	CMPQ DI, CX
	JAE pairnone
	MOVOU (SI)(DI*1), X0
	MOVOU (R8)(DI*1), X1
	PCMPEQB X8, X0
	PCMPEQB X9, X1
	PAND X1, X0
	PMOVMSKB X0, AX
	TESTL AX, AX
	JNZ pairfound
	ADDQ $16, DI
	JMP pairloop
pairfound:
	BSFL AX, AX
	ADDQ DI, AX
	MOVQ AX, ret+32(FP)
	RET
pairnone:
	MOVQ $-1, ret+32(FP)
	RET
